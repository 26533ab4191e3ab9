"""CarePlan: strength programme prescriptions, for clinicians and the athlete they were given to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fhir_api.resources.care_plan import care_plan_resource
from fhir_api.resources.common import row_id
from fhir_api.search import id_param, pk_criterion, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from patients.selectors import can_view_clinical
from programs.models import Prescription
from programs.selectors import prescription_queryset_for

PARAMS = params(
    id_param("The prescription's logical id.", pk_criterion("pk")),
    reference_param("patient", "patient_id", "Patient", "The patient: Patient/<id> or <id>."),
    reference_param("subject", "patient_id", "Patient", "Same as patient (only patients are subjects here)."),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("programs.view_prescription")) and can_view_clinical(user)


def _prescriptions(reader: Reader) -> QuerySet[Prescription]:
    return prescription_queryset_for(reader.user)


def _read(reader: Reader, resource_id: str) -> Found | None:
    found = _prescriptions(reader).filter(pk=row_id(resource_id)).first() if row_id(resource_id) else None  # type: ignore[misc]  # None is ruled out by the if
    return Found(care_plan_resource(found), found, found.patient_id) if found else None


def _search(reader: Reader, search: Any) -> Page:
    rows = _prescriptions(reader).filter(search.q).order_by("-prescribed_at", "-id")
    found = list(page_of(rows, search))
    return Page([care_plan_resource(p) for p in found], rows.count(), Prescription, {p.patient_id for p in found})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    rows = _prescriptions(reader).filter(patient_id=patient_id).order_by("prescribed_at", "id")
    return [care_plan_resource(p) for p in rows]


KIND = Kind("CarePlan", _can_read, PARAMS, _read, _search, _of_patient)
