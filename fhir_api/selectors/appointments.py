"""Appointment: bookings, for the front desk, clinicians (their calendar) and the athlete booked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fhir_api.resources.appointment import appointment_resource
from fhir_api.resources.common import row_id
from fhir_api.search import date_param, id_param, pk_criterion, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from scheduling.models import Appointment
from scheduling.selectors import appointment_queryset_for

PARAMS = params(
    id_param("The appointment's logical id.", pk_criterion("pk")),
    reference_param("patient", "patient_id", "Patient", "The patient booked: Patient/<id> or <id>."),
    date_param("date", "starts_at", "When it starts (eq, ne, lt, gt, le, ge, sa, eb).", instant=True),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("scheduling.view_appointment"))


def _appointments(reader: Reader) -> QuerySet[Appointment]:
    return appointment_queryset_for(reader.user)


def _read(reader: Reader, resource_id: str) -> Found | None:
    found = _appointments(reader).filter(pk=row_id(resource_id)).first() if row_id(resource_id) else None  # type: ignore[misc]  # None is ruled out by the if
    return Found(appointment_resource(found), found, found.patient_id) if found else None


def _search(reader: Reader, search: Any) -> Page:
    rows = _appointments(reader).filter(search.q).order_by("starts_at", "id")
    found = list(page_of(rows, search))
    return Page([appointment_resource(a) for a in found], rows.count(), Appointment, {a.patient_id for a in found})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    return [appointment_resource(a) for a in _appointments(reader).filter(patient_id=patient_id)]


KIND = Kind("Appointment", _can_read, PARAMS, _read, _search, _of_patient)
