"""Encounter: visits, for clinicians and the athlete whose visit it is (not the front desk)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fhir_api.resources.common import row_id
from fhir_api.resources.encounter import encounter_resource
from fhir_api.search import date_param, id_param, pk_criterion, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from patients.models import Visit
from patients.selectors import can_view_clinical, visit_queryset_for

PARAMS = params(
    id_param("The visit's logical id.", pk_criterion("pk")),
    reference_param("patient", "patient_id", "Patient", "The patient seen: Patient/<id> or <id>."),
    reference_param("subject", "patient_id", "Patient", "Same as patient (only patients are subjects here)."),
    date_param("date", "visit_date", "The visit date (eq, ne, lt, gt, le, ge, sa, eb)."),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("patients.view_visit")) and can_view_clinical(user)


def _visits(reader: Reader) -> QuerySet[Visit]:
    return visit_queryset_for(reader.user)


def _read(reader: Reader, resource_id: str) -> Found | None:
    visit = _visits(reader).filter(pk=row_id(resource_id)).first() if row_id(resource_id) else None  # type: ignore[misc]  # None is ruled out by the if
    return Found(encounter_resource(visit), visit, visit.patient_id) if visit else None


def _search(reader: Reader, search: Any) -> Page:
    rows = _visits(reader).filter(search.q).order_by("-visit_date", "-id")
    visits = list(page_of(rows, search))
    return Page([encounter_resource(v) for v in visits], rows.count(), Visit, {v.patient_id for v in visits})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    return [encounter_resource(v) for v in _visits(reader).filter(patient_id=patient_id).order_by("visit_date", "id")]


KIND = Kind("Encounter", _can_read, PARAMS, _read, _search, _of_patient)
