"""DocumentReference: the report of each visit with an analysed assessment, for clinicians
(whoever may download the report PDF on the site: assessments.view_assessment_result)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet

from assessments.selectors import can_view_results
from fhir_api.resources.document_reference import VisitReport, document_reference_resource, parse_report_document_id
from fhir_api.search import Criterion, id_param, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, page_of, params
from patients.models import Visit
from patients.selectors import visit_queryset_for


def _ids(values: list[str]) -> Criterion:
    return Criterion(q=Q(pk__in={pk for pk in map(parse_report_document_id, values) if pk is not None}))


PARAMS = params(
    id_param("visit-report-<visit id>.", _ids),
    reference_param("patient", "patient_id", "Patient", "The patient: Patient/<id> or <id>."),
    reference_param("subject", "patient_id", "Patient", "Same as patient (only patients are subjects here)."),
    reference_param("encounter", "pk", "Encounter", "The visit reported on: Encounter/<id> or <id>."),
)


def _can_read(user: Any) -> bool:
    return can_view_results(user)


def _reports(reader: Reader) -> QuerySet[Visit]:
    if not can_view_results(reader.user):
        return Visit.objects.none()
    return (
        visit_queryset_for(reader.user)
        .annotate(last_analysed_at=Max("assessments__analysed_at"))
        .filter(last_analysed_at__isnull=False)
    )


def _report(visit: Visit) -> VisitReport:
    return VisitReport(
        visit_id=visit.pk,
        patient_id=visit.patient_id,
        visit_date=visit.visit_date,
        last_analysed_at=visit.last_analysed_at,  # type: ignore[attr-defined]  # annotated by the queryset
    )


def _read(reader: Reader, resource_id: str) -> Found | None:
    pk = parse_report_document_id(resource_id)
    visit = _reports(reader).filter(pk=pk).first() if pk is not None else None
    return Found(document_reference_resource(_report(visit), reader.links), visit, visit.patient_id) if visit else None


def _search(reader: Reader, search: Any) -> Page:
    rows = _reports(reader).filter(search.q).order_by("-visit_date", "-id")
    visits = list(page_of(rows, search))
    resources = [document_reference_resource(_report(v), reader.links) for v in visits]
    return Page(resources, rows.count(), Visit, {v.patient_id for v in visits})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    visits = _reports(reader).filter(patient_id=patient_id).order_by("visit_date", "id")
    return [document_reference_resource(_report(v), reader.links) for v in visits]


KIND = Kind("DocumentReference", _can_read, PARAMS, _read, _search, _of_patient)
