"""Reads of assessments, scoped to what the requesting user may see, and the per-patient trend.

Staff with ``view_assessment_result`` see every assessment of the patients they may see, in
any state; an athlete (``view_assessment`` only) sees the summaries of their own analysed ones.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import F, QuerySet

from assessments.models import Assessment
from patients.models import Patient
from patients.selectors import patient_queryset_for

# MEASUREMENT.md, "What the number means": test-retest SDD of 2D CPD (Dingenen et al. 2018).
SMALLEST_DETECTABLE_DIFFERENCE_DEG = 2.8
TREND_METRICS = (
    "cpd_left_mean_deg", "cpd_right_mean_deg", "mean_cpd_deg", "asymmetry_deg", "cadence_spm",
    "hip_adduction_left_deg", "hip_adduction_right_deg", "fppa_left_deg", "fppa_right_deg",
)  # fmt: skip


def can_view_results(user: Any) -> bool:
    return bool(user.has_perm("assessments.view_assessment_result"))


def assessment_queryset_for(user: Any) -> QuerySet[Assessment]:
    if not user.is_authenticated or not user.has_perm("assessments.view_assessment"):
        return Assessment.objects.none()
    assessments = Assessment.objects.filter(patient__in=patient_queryset_for(user))
    if not can_view_results(user):
        assessments = assessments.filter(analysed_at__isnull=False)
    return assessments.select_related("visit", "patient")


def assessment_list_for(user: Any) -> QuerySet[Assessment]:
    """``assessment_queryset_for`` for lists: each row's quality flags (as ``quality_flags``)
    without its whole analysis JSON, tens of kB a row that a list never shows."""
    return assessment_queryset_for(user).defer("result").annotate(quality_flags=F("result__quality__flags"))


def visit_assessments(*, user: Any, visit_id: int) -> QuerySet[Assessment]:
    return assessment_queryset_for(user).filter(visit_id=visit_id).order_by("created_at", "id")


def patient_assessments(*, user: Any, patient: Patient) -> QuerySet[Assessment]:
    return assessment_queryset_for(user).filter(patient=patient).order_by("visit__visit_date", "created_at", "id")


@dataclass
class TrendPoint:
    assessment_id: int
    visit_id: int
    visit_date: datetime.date
    status: str
    values: dict[str, float | None]
    n_left: int | None
    n_right: int | None


@dataclass
class Trend:
    patient: Patient
    points: list[TrendPoint]
    program_markers: list[dict[str, Any]] = field(default_factory=list)
    sdd_deg: float = SMALLEST_DETECTABLE_DIFFERENCE_DEG

    def change(self, metric: str, since: str) -> float | None:
        """Last value minus the first (``since="first"``) or the one before it (``"previous"``)."""
        values = [p.values[metric] for p in self.points if p.values.get(metric) is not None]
        if len(values) < 2:
            return None
        base = values[0] if since == "first" else values[-2]
        return round(values[-1] - base, 2)

    def beyond_sdd(self, metric: str, since: str) -> bool | None:
        delta = self.change(metric, since)
        return None if delta is None else abs(delta) > self.sdd_deg


def hip_drop_trend(*, user: Any, patient: Patient) -> Trend:
    """CPD (and the other summary columns) of every analysed assessment, oldest visit first.

    One query for the assessments (summary numbers are columns, so no JSON is loaded) and one
    for the program markers.
    """
    rows = (
        assessment_queryset_for(user)
        .filter(patient=patient, analysed_at__isnull=False)
        .order_by("visit__visit_date", "created_at", "id")
        .values("id", "visit_id", "visit__visit_date", "status", "n_left", "n_right", *TREND_METRICS)
    )
    points = [
        TrendPoint(
            assessment_id=row["id"],
            visit_id=row["visit_id"],
            visit_date=row["visit__visit_date"],
            status=row["status"],
            values={metric: row[metric] for metric in TREND_METRICS},
            n_left=row["n_left"],
            n_right=row["n_right"],
        )
        for row in rows
    ]
    return Trend(patient=patient, points=points, program_markers=program_markers(patient=patient))


def program_markers(*, patient: Patient) -> list[dict[str, Any]]:
    """Dates a strength program started or changed (programs app prescriptions), oldest first."""
    try:
        prescription = apps.get_model("programs", "Prescription")
    except LookupError:  # the programs app is optional for this page
        return []
    rows = (
        prescription.objects.filter(patient=patient)
        .order_by("starts_on", "id")
        .values("starts_on", "program__name", "supersedes_id", "change_reason")
    )
    return [
        {
            "date": row["starts_on"],
            "kind": "changed" if row["supersedes_id"] else "started",
            "label": f"{row['program__name']} {'changed' if row['supersedes_id'] else 'started'}"
            + (f": {row['change_reason']}" if row["change_reason"] else ""),
        }
        for row in rows
    ]
