"""Consent: video consents, for staff who see the patient and the athlete whose consent it is."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fhir_api.resources.common import row_id
from fhir_api.resources.consent import consent_resource
from fhir_api.search import id_param, pk_criterion, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from patients.models import VideoConsent
from patients.selectors import patient_queryset_for

PARAMS = params(
    id_param("The consent's logical id.", pk_criterion("pk")),
    reference_param("patient", "patient_id", "Patient", "The patient: Patient/<id> or <id>."),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("patients.view_videoconsent"))


def _consents(reader: Reader) -> QuerySet[VideoConsent]:
    return VideoConsent.objects.filter(patient__in=patient_queryset_for(reader.user))


def _read(reader: Reader, resource_id: str) -> Found | None:
    pk = row_id(resource_id)
    found = _consents(reader).filter(pk=pk).first() if pk is not None else None
    return Found(consent_resource(found), found, found.patient_id) if found else None


def _search(reader: Reader, search: Any) -> Page:
    rows = _consents(reader).filter(search.q).order_by("-recorded_at", "-id")
    found = list(page_of(rows, search))
    return Page([consent_resource(c) for c in found], rows.count(), VideoConsent, {c.patient_id for c in found})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    return [consent_resource(c) for c in _consents(reader).filter(patient_id=patient_id).order_by("recorded_at", "id")]


KIND = Kind("Consent", _can_read, PARAMS, _read, _search, _of_patient)
