"""Patient: every signed-in role with patients.view_patient (scoped: an athlete only their own)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from fhir_api.resources.common import PATIENT_ID_SYSTEM, row_id
from fhir_api.resources.patient import patient_resource
from fhir_api.search import Criterion, date_param, id_param, pk_criterion, string_param, token_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from patients.models import Patient
from patients.selectors import patient_queryset_for


def _identifier(values: list[str]) -> Criterion:
    return Criterion(q=Q(pk__in=[pk for pk in map(row_id, values) if pk is not None]))


PARAMS = params(
    id_param("The patient's logical id.", pk_criterion("pk")),
    string_param("name", ("first_name", "last_name"), "Any part of the name (starts with; :exact, :contains)."),
    string_param("family", ("last_name",), "Family name (starts with; :exact, :contains)."),
    string_param("given", ("first_name",), "Given name (starts with; :exact, :contains)."),
    date_param("birthdate", "date_of_birth", "Date of birth (eq, ne, lt, gt, le, ge, sa, eb)."),
    token_param(
        "identifier",
        f"The clinic's patient id: {PATIENT_ID_SYSTEM}|<id> or <id>.",
        system=PATIENT_ID_SYSTEM,
        to_criterion=_identifier,
    ),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("patients.view_patient"))


def _read(reader: Reader, resource_id: str) -> Found | None:
    pk = row_id(resource_id)
    if pk is None:
        return None
    patient = patient_queryset_for(reader.user).filter(pk=pk).first()
    if patient is None:
        return None
    return Found(patient_resource(patient), patient, patient.pk)


def _search(reader: Reader, search: Any) -> Page:
    rows = patient_queryset_for(reader.user).filter(search.q).order_by("last_name", "first_name", "id")
    patients = list(page_of(rows, search))
    return Page([patient_resource(p) for p in patients], rows.count(), Patient, {p.pk for p in patients})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    found = _read(reader, str(patient_id))
    return [found.resource] if found else []


KIND = Kind("Patient", _can_read, PARAMS, _read, _search, _of_patient)
