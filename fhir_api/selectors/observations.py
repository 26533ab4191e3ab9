"""Observation: the gait metrics of analysed assessments, for clinicians and the athlete whose
assessment it is (the athlete: the summary metrics the REST API gives them; not the front desk)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment, AssessmentSource
from assessments.selectors import assessment_queryset_for, can_view_results, measured_date
from fhir_api.resources.common import GAIT_METRICS_SYSTEM
from fhir_api.resources.observation import (
    METRICS_BY_CODE,
    AssessmentNumbers,
    metric_codes_for,
    observation_resource,
    parse_observation_id,
)
from fhir_api.search import Criterion, date_param, id_param, reference_param, token_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, params

COLUMNS = (
    "cpd_left_mean_deg",
    "cpd_right_mean_deg",
    "mean_cpd_deg",
    "cadence_spm",
    "hip_adduction_left_deg",
    "hip_adduction_right_deg",
    "fppa_left_deg",
    "fppa_right_deg",
)
FIELDS = (
    "id",
    "patient_id",
    "visit_id",
    "visit__visit_date",
    "created_at",
    "source",
    "analysed_at",
    "view",
    "analysis_version",
    "status",
)


def _ids(values: list[str]) -> Criterion:
    wanted = {parsed for parsed in map(parse_observation_id, values) if parsed is not None}
    return Criterion(q=Q(pk__in={pk for pk, _ in wanted}), keep=lambda pk, code: (pk, code) in wanted)


def _codes(codes: list[str]) -> Criterion:
    known = {code for code in codes if code in METRICS_BY_CODE}
    return Criterion(q=Q() if known else Q(pk__in=[]), keep=lambda pk, code: code in known, keep_ignores_row=True)


PARAMS = params(
    id_param("Observation id: assessment-<assessment id>-<metric code>.", _ids),
    reference_param("patient", "patient_id", "Patient", "The patient: Patient/<id> or <id>."),
    reference_param("subject", "patient_id", "Patient", "Same as patient (only patients are subjects here)."),
    reference_param("encounter", "visit_id", "Encounter", "The visit: Encounter/<id> or <id>."),
    date_param(
        "date",
        "measured_date",
        "The visit date the clip was recorded at, or the day an accepted self-check was sent "
        "(eq, ne, lt, gt, le, ge, sa, eb).",
    ),
    token_param(
        "code",
        f"Metric code in {GAIT_METRICS_SYSTEM}: " + ", ".join(METRICS_BY_CODE) + ".",
        system=GAIT_METRICS_SYSTEM,
        to_criterion=_codes,
    ),
)


def _can_read(user: Any) -> bool:
    return bool(user.has_perm("assessments.view_assessment"))


def _analysed(reader: Reader) -> QuerySet[Assessment]:
    # measured_date: the visit's date, or the day an accepted self-check (no visit) was sent.
    return (
        assessment_queryset_for(reader.user).filter(analysed_at__isnull=False).annotate(measured_date=measured_date())
    )


def _numbers(row: dict[str, Any]) -> AssessmentNumbers:
    values = {column: row[column] for column in COLUMNS}
    for side in ("step_width_left_ratio", "step_width_right_ratio"):
        values[side] = row[side] if isinstance(row[side], int | float) else None
    return AssessmentNumbers(
        assessment_id=row["id"],
        patient_id=row["patient_id"],
        visit_id=row["visit_id"],
        # A self-check accepted into the trend has no visit: the day it was sent.
        visit_date=row["visit__visit_date"] or timezone.localdate(row["created_at"]),
        analysed_at=row["analysed_at"],
        view=row["view"],
        analysis_version=row["analysis_version"],
        status=row["status"],
        values=values,
        quality=row["fhir_quality"] if isinstance(row["fhir_quality"], dict) else {},
        self_check=row["source"] == AssessmentSource.SELF_CHECK,
    )


def _rows(queryset: QuerySet[Assessment]) -> list[dict[str, Any]]:
    """The rows with the few parts of their result JSON the Observations need: the quality block
    and the step-width means. Only for the rows shown: the database parses each row's whole JSON
    (tens of kB) to extract them, so counting and paging run on the plain columns first."""
    return list(
        queryset.annotate(
            fhir_quality=F("result__quality"),
            step_width_left_ratio=F("result__summary__left__step_width_ratio__mean"),
            step_width_right_ratio=F("result__summary__right__step_width_ratio__mean"),
        ).values(*FIELDS, *COLUMNS, "fhir_quality", "step_width_left_ratio", "step_width_right_ratio")
    )


def _read(reader: Reader, resource_id: str) -> Found | None:
    parsed = parse_observation_id(resource_id)
    if parsed is None or parsed[1] not in metric_codes_for(full_results=can_view_results(reader.user)):
        return None
    rows = _rows(_analysed(reader).filter(pk=parsed[0]))
    if not rows:
        return None
    numbers = _numbers(rows[0])
    target = Assessment(pk=numbers.assessment_id)  # the audit trail needs its type and id only
    return Found(observation_resource(numbers, METRICS_BY_CODE[parsed[1]]), target, numbers.patient_id)


def _expand(reader: Reader, rows: list[dict[str, Any]], search: Any = None) -> list[tuple[AssessmentNumbers, str]]:
    codes = metric_codes_for(full_results=can_view_results(reader.user))
    items: list[tuple[AssessmentNumbers, str]] = []
    for row in rows:
        numbers = _numbers(row)
        items.extend(
            (numbers, code) for code in codes if search is None or search.keeps_item(numbers.assessment_id, code)
        )
    return items


def _search(reader: Reader, search: Any) -> Page:
    rows = _analysed(reader).filter(search.q).order_by(F("measured_date").desc(), "-analysed_at", "-id")
    if search.keeps_depend_on_row:  # _id names single Observations: few rows, filtered here
        items = _expand(reader, _rows(rows), search)
        total, shown = len(items), items[search.offset : search.offset + search.count]
    else:
        # Every row gives the same codes: the page is a slice of rows, counted and cut by the database
        # (a clinic-wide search reads 50 Observations' rows, not every assessment's).
        codes = [c for c in metric_codes_for(full_results=can_view_results(reader.user)) if search.keeps_item(0, c)]
        per_row = len(codes)
        total = rows.count() * per_row if per_row else 0
        first_row = search.offset // per_row if per_row else 0
        last_row = -(-(search.offset + search.count) // per_row) if per_row else 0
        page_ids = list(rows.values_list("pk", flat=True)[first_row:last_row]) if last_row > first_row else []
        items = _expand(reader, _rows(rows.filter(pk__in=page_ids)), search) if page_ids else []
        skip = search.offset - first_row * per_row
        shown = items[skip : skip + search.count]
    resources = [observation_resource(numbers, METRICS_BY_CODE[code]) for numbers, code in shown]
    return Page(resources, total, Assessment, {numbers.patient_id for numbers, _ in shown})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    rows = _rows(
        _analysed(reader).filter(patient_id=patient_id).order_by(F("measured_date").asc(), "analysed_at", "id")
    )
    return [observation_resource(numbers, METRICS_BY_CODE[code]) for numbers, code in _expand(reader, rows)]


KIND = Kind("Observation", _can_read, PARAMS, _read, _search, _of_patient)
