"""Reads of assessments, scoped to what the requesting user may see, and the per-patient trend.

Staff with ``view_assessment_result`` see every assessment of the patients they may see, in
any state; an athlete (``view_assessment`` only) sees the summaries of their own analysed ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.apps import apps
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from assessments.analysis import quality as gate
from assessments.analysis.agreement import Agreement, agreement
from assessments.analysis.summary import METRIC_LABELS
from assessments.models import Assessment, AssessmentQuerySet, CameraView, ManualHipCheck
from patients.models import Patient, Visit
from patients.selectors import patient_queryset_for

# One home for the SDD (the engine's gate); re-exported for the pages and the API.
SMALLEST_DETECTABLE_DIFFERENCE_DEG = gate.SMALLEST_DETECTABLE_DIFFERENCE_DEG
TREND_METRICS = (
    "cpd_left_mean_deg",
    "cpd_right_mean_deg",
    "mean_cpd_deg",
    "asymmetry_deg",
    "cadence_spm",
    "hip_adduction_left_deg",
    "hip_adduction_right_deg",
    "fppa_left_deg",
    "fppa_right_deg",
)
# The summary columns as people read them, built from the engine's metric labels (one home).
_CPD, _ADD, _FPPA = (METRIC_LABELS[k][0] for k in ("cpd_midstance_deg", "hip_adduction_peak_deg", "fppa_midstance_deg"))
SUMMARY_ROWS = (
    (f"{_CPD}, left, mean", "cpd_left_mean_deg", "°"),
    (f"{_CPD}, left, SD", "cpd_left_sd_deg", "°"),
    (f"{_CPD}, right, mean", "cpd_right_mean_deg", "°"),
    (f"{_CPD}, right, SD", "cpd_right_sd_deg", "°"),
    ("Mean CPD (both sides)", "mean_cpd_deg", "°"),
    ("Asymmetry (left minus right)", "asymmetry_deg", "°"),
    ("Cadence", "cadence_spm", " steps/min"),
    (f"{_ADD}, left", "hip_adduction_left_deg", "°"),
    (f"{_ADD}, right", "hip_adduction_right_deg", "°"),
    (f"{_FPPA}, left", "fppa_left_deg", "°"),
    (f"{_FPPA}, right", "fppa_right_deg", "°"),
)


def can_view_results(user: Any) -> bool:
    return bool(user.has_perm("assessments.view_assessment_result"))


def _visible(user: Any) -> AssessmentQuerySet:
    """Every clip (clinic or self-check) of the patients the user may see."""
    if not user.is_authenticated or not user.has_perm("assessments.view_assessment"):
        return Assessment.objects.none()
    return Assessment.objects.filter(patient__in=patient_queryset_for(user)).select_related("visit", "patient")


def assessment_queryset_for(user: Any) -> AssessmentQuerySet:
    """The clinic's measurements the user may see: what trends, reports, FHIR, exports, programme
    decisions, hip-check statistics, lists and athlete summaries read. Self-checks join only once a
    clinician accepted them into the trend (``AssessmentQuerySet.measurements``, the one rule)."""
    assessments = _visible(user).measurements()
    if not can_view_results(user):
        assessments = assessments.filter(analysed_at__isnull=False)
    return assessments


def assessment_page_queryset_for(user: Any) -> AssessmentQuerySet:
    """One clip's pages and files for staff with results (result page, video, keyframes, review):
    clinic clips and every self-check, reviewed or not, so a clinician can review it."""
    if not can_view_results(user):
        return Assessment.objects.none()
    return _visible(user)


def self_check_queryset_for(user: Any) -> AssessmentQuerySet:
    """Self-checks the user may see, in any state: an athlete their own (the pages and the API show
    numbers only after a clinician's review), clinicians their patients'; the front desk none."""
    return _visible(user).self_checks().select_related("reviewed_by").order_by("-created_at", "-id")


def self_checks_to_review(*, user: Any) -> QuerySet[Assessment]:
    """The clinicians' review list of self-checks: not yet reviewed, oldest first (the analysis
    may still run: the clinician sees it coming). A clinician with a calendar sees the self-checks
    of athletes they have seen at a visit; an admin the clinic's."""
    if not can_view_results(user):
        return Assessment.objects.none()
    waiting = self_check_queryset_for(user).filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=F("analysed_at")))
    if user.has_perm("scheduling.keep_calendar"):
        waiting = waiting.filter(Exists(Visit.objects.filter(patient=OuterRef("patient"), clinician=user)))
    return waiting.defer("result").annotate(quality_flags=F("result__quality__flags")).order_by("created_at", "id")


def assessment_list_for(user: Any) -> QuerySet[Assessment]:
    """``assessment_queryset_for`` for lists: each row's quality flags (as ``quality_flags``)
    without its whole analysis JSON, tens of kB a row that a list never shows."""
    return assessment_queryset_for(user).defer("result").annotate(quality_flags=F("result__quality__flags"))


def visit_assessments(*, user: Any, visit_id: int) -> QuerySet[Assessment]:
    return assessment_queryset_for(user).filter(visit_id=visit_id).order_by("created_at", "id")


def measured_date() -> Coalesce:
    """The day a clip was filmed, in SQL: its visit's date, or the day a self-check (no visit) was sent
    (``Assessment.measured_on`` in Python)."""
    return Coalesce("visit__visit_date", TruncDate("created_at"))


def patient_assessments(*, user: Any, patient: Patient) -> QuerySet[Assessment]:
    """The patient's measurements, oldest first, each with ``measured_date`` (its visit's date, or the
    day an accepted self-check was sent)."""
    return (
        assessment_queryset_for(user)
        .filter(patient=patient)
        .annotate(measured_date=measured_date())
        .order_by("measured_date", "created_at", "id")
    )


def choice_label(assessment: Assessment) -> str:
    """How a dropdown names an assessment: date, upload time, view and quality, so two of one
    day (or one visit) are told apart."""
    uploaded = timezone.localtime(assessment.created_at)
    view = "posterior" if assessment.view == CameraView.POSTERIOR else "anterior"
    source = " · self-check" if assessment.is_self_check else ""
    return (
        f"{assessment.measured_on:%d %b %Y}, uploaded {uploaded:%H:%M} · {view}{source} · "
        f"{assessment.quality_label.lower() or assessment.get_status_display().lower()} · #{assessment.pk}"
    )


RecordKey = tuple[str, int, str]


def record_key(assessment: Assessment) -> RecordKey:
    """What a result of record stands for: a visit in one view, or one self-check accepted into the trend."""
    if assessment.visit_id is None:
        return ("self_check", assessment.pk, assessment.view)
    return ("visit", assessment.visit_id, assessment.view)


def results_of_record(assessments: Sequence[Assessment]) -> dict[RecordKey, Assessment]:
    """The assessment that counts per (visit, view): the clinician's pick, else the latest
    measurable one, else the latest low-confidence one. Not-measurable results never count.
    A self-check accepted into the trend stands on its own."""
    best: dict[RecordKey, Assessment] = {}

    def rank(a: Assessment) -> tuple:
        if a.of_record_at is not None:  # the clinician's latest pick wins
            return (1, a.of_record_at, a.pk)
        status_rank = {gate.MEASURABLE: 2, gate.LOW_CONFIDENCE: 1}.get(a.quality_status, 0)
        return (0, status_rank, a.created_at, a.pk)

    for a in assessments:
        if not a.shows_numbers:
            continue
        key = record_key(a)
        if key not in best or rank(a) > rank(best[key]):
            best[key] = a
    return best


@dataclass
class TrendPoint:
    """One visit's result of record in one view. ``included``: it counts for change figures."""

    assessment_id: int
    visit_id: int | None  # None: a self-check the clinician accepted into the trend
    visit_date: datetime.date  # the visit's date, or the day the self-check was sent
    view: str
    status: str  # measurable / low_confidence (not-measurable results are never points)
    included: bool
    accepted: bool
    values: dict[str, float | None]
    n_left: int | None
    n_right: int | None
    label: str = ""
    self_check: bool = False  # filmed by the athlete, accepted into the trend: labelled so everywhere
    day_slot: int = 0  # 0 for a day's first visit, 1 for its second...: keeps same-day points apart
    delta: dict[str, float | None] = field(default_factory=dict)  # against the previous included point


@dataclass
class Trend:
    patient: Patient
    points: list[TrendPoint]
    program_markers: list[dict[str, Any]] = field(default_factory=list)
    sdd_deg: float = SMALLEST_DETECTABLE_DIFFERENCE_DEG
    not_measurable: list[dict[str, Any]] = field(default_factory=list)  # visits with no usable result

    @property
    def views(self) -> list[str]:
        present = {p.view for p in self.points}
        return [v for v in CameraView.values if v in present]

    def series(self, view: str) -> list[TrendPoint]:
        return [p for p in self.points if p.view == view]

    def _pair(self, metric: str, since: str, view: str) -> tuple[TrendPoint, TrendPoint] | None:
        counted = [p for p in self.series(view) if p.included and p.values.get(metric) is not None]
        if len(counted) < 2:
            return None
        return (counted[0] if since == "first" else counted[-2], counted[-1])

    def change(self, metric: str, since: str, view: str = CameraView.POSTERIOR) -> float | None:
        """Last counted value minus the first (``since="first"``) or the one before (``"previous"``).

        Only included points (measurable, or low confidence accepted by a clinician) count.
        """
        pair = self._pair(metric, since, view)
        if pair is None:
            return None
        return round(pair[1].values[metric] - pair[0].values[metric], 2)  # type: ignore[operator]  # _pair picks measured points

    def beyond_sdd(self, metric: str, since: str, view: str = CameraView.POSTERIOR) -> bool | None:
        """Is the change real? Beyond the SDD, with >= 7 stances per side on both results."""
        pair = self._pair(metric, since, view)
        if pair is None:
            return None
        delta = self.change(metric, since, view)
        return gate.change_beyond_noise(delta, stances=[n for p in pair for n in (p.n_left, p.n_right)])

    def changes(self, view: str = CameraView.POSTERIOR) -> dict[str, dict[str, dict[str, Any]]]:
        """CPD left/right change since the first and the previous counted visit, with the verdict."""
        return {
            side: {
                since: _verdict(
                    self.change(f"cpd_{side}_mean_deg", since, view),
                    self.beyond_sdd(f"cpd_{side}_mean_deg", since, view),
                )
                for since in ("first", "previous")
            }
            for side in ("left", "right")
        }


def _verdict(delta: float | None, beyond: bool | None) -> dict[str, Any]:
    """A change and its plain verdict: real, within noise, or past the SDD on too few steps."""
    if delta is None:
        words = ""
    elif beyond:
        words = "beyond measurement noise"
    elif abs(delta) > SMALLEST_DETECTABLE_DIFFERENCE_DEG:
        words = f"too few steps (under {gate.MIN_STANCES_PER_SIDE} per side) to call it real"
    else:
        words = "within measurement noise"
    return {"delta": delta, "beyond_sdd": beyond, "words": words}


def hip_drop_trend(*, user: Any, patient: Patient) -> Trend:
    """One point per visit and view (the result of record), oldest visit first.

    One query for the assessments (summary numbers are columns and only the flags are read
    from the JSON) and one for the program markers.
    """
    rows = list(
        assessment_queryset_for(user)
        .filter(patient=patient, analysed_at__isnull=False)
        .defer("result", "video_meta", "keyframes")
        .annotate(quality_flags=F("result__quality__flags"))
        .order_by("created_at", "id")
    )
    rows.sort(key=lambda a: (a.measured_on, a.visit_id or 0, a.created_at, a.pk))
    record = results_of_record(rows)
    points: list[TrendPoint] = []
    slots: dict[datetime.date, list[tuple[str, int]]] = {}
    for a in sorted(record.values(), key=lambda a: (a.measured_on, a.created_at, CameraView.values.index(a.view))):
        day = slots.setdefault(a.measured_on, [])
        slot = record_key(a)[:2]
        if slot not in day:
            day.append(slot)
        points.append(
            TrendPoint(
                assessment_id=a.pk,
                visit_id=a.visit_id,
                visit_date=a.measured_on,
                view=a.view,
                status=a.quality_status,
                included=a.counts,
                accepted=a.is_accepted,
                values={metric: getattr(a, metric) for metric in TREND_METRICS},
                n_left=a.n_left,
                n_right=a.n_right,
                label=choice_label(a),
                self_check=a.is_self_check,
                day_slot=day.index(slot),
            )
        )
    previous: dict[tuple[str, str], float] = {}
    for point in points:
        for metric in TREND_METRICS:
            value, before = point.values[metric], previous.get((point.view, metric))
            point.delta[metric] = (
                None if not point.included or value is None or before is None else round(value - before, 2)
            )
            if point.included and value is not None:
                previous[(point.view, metric)] = value
    counted_visits = {record_key(record[key]) for key in record}
    not_measurable = [
        {"assessment_id": a.pk, "visit_date": a.measured_on, "view": a.view, "reasons": a.quality_reasons}
        for a in rows
        if not a.shows_numbers and record_key(a) not in counted_visits
    ]
    return Trend(
        patient=patient, points=points, program_markers=program_markers(patient=patient), not_measurable=not_measurable
    )


def default_compare_pair(choices: list[Assessment]) -> tuple[Assessment | None, Assessment | None]:
    """The two latest results of record in the same view (the posterior one first), else the
    two latest analysed assessments."""
    record = results_of_record(choices)
    for view in CameraView.values:
        same_view = sorted(
            (a for a in record.values() if a.view == view), key=lambda a: (a.measured_on, a.created_at, a.pk)
        )
        if len(same_view) >= 2:
            return same_view[-2], same_view[-1]
    if len(choices) >= 2:
        return choices[-2], choices[-1]
    return None, (choices[-1] if choices else None)


def program_markers(*, patient: Patient) -> list[dict[str, Any]]:
    """Dates a strength program started or changed, oldest first: the programs app's selector."""
    if not apps.is_installed("programs"):  # the trend stands without the programs app
        return []
    from programs.selectors import program_changes

    return program_changes(patient=patient)


def compare_rows(first: Assessment, second: Assessment) -> list[dict[str, Any]]:
    """The summary rows of two assessments side by side. A not-measurable side has no number; a
    difference is given only where both sides have numbers, and called real (``beyond_sdd``) only
    for CPD means of two counted results with enough stances (``gate.change_beyond_noise``)."""
    rows = []
    counted = first.counts and second.counts
    stances = [first.n_left, first.n_right, second.n_left, second.n_right]
    for label, column, unit in SUMMARY_ROWS:
        a = getattr(first, column) if first.shows_numbers else None
        b = getattr(second, column) if second.shows_numbers else None
        delta = None if a is None or b is None else round(b - a, 2)
        is_cpd_mean = column in ("cpd_left_mean_deg", "cpd_right_mean_deg", "mean_cpd_deg")
        rows.append(
            {
                "label": label,
                "a": a,
                "b": b,
                "unit": unit,
                "delta": delta,
                "beyond_sdd": gate.change_beyond_noise(delta, stances=stances) if counted and is_cpd_mean else None,
            }
        )
    return rows


def change_words(*, before: Assessment, after: Assessment) -> dict[str, Any]:
    """A CPD change between two counted results in plain, positive words (report and portal).

    Real only beyond the SDD with enough stances on both results (``gate.change_beyond_noise``);
    lower CPD reads as "steadier". Never "dip".
    """
    stances = [before.n_left, before.n_right, after.n_left, after.n_right]
    sides = {}
    for side in ("left", "right"):
        a, b = getattr(before, f"cpd_{side}_mean_deg"), getattr(after, f"cpd_{side}_mean_deg")
        delta = None if a is None or b is None else b - a
        sides[side] = {
            "before": a,
            "after": b,
            "real": bool(gate.change_beyond_noise(delta, stances=stances)),
            "steadier": delta is not None and delta < 0,
        }
    steadier = [side for side, v in sides.items() if v["real"] and v["steadier"]]
    # A self-check accepted into the trend is named as one wherever it is compared.
    on = (
        f"in your self-check of {before.measured_on:%d %B %Y}"
        if before.is_self_check
        else f"on {before.measured_on:%d %B %Y}"
    )
    since = (
        f"your self-check of {before.measured_on:%d %B %Y}"
        if before.is_self_check
        else f"{before.measured_on:%d %B %Y}"
    )
    if steadier:
        text = (
            f"Your pelvis stayed steadier than {on} with the "
            f"{' and '.join(steadier)} foot on the ground: a change larger than the "
            f"{SMALLEST_DETECTABLE_DIFFERENCE_DEG}° the video method can tell apart."
        )
    elif any(v["real"] for v in sides.values()):
        text = (
            f"Your pelvis moved differently than {on}; your clinician will talk "
            "it through with you and keep building your hip strength."
        )
    else:
        text = (
            f"Since {since} the changes are within the {SMALLEST_DETECTABLE_DIFFERENCE_DEG}° "
            "the video method can tell apart, so we look at the trend over several visits."
        )
    return {"sides": sides, "text": text}


def visit_report_items(*, user: Any, visit: Any) -> list[dict[str, Any]]:
    """Per view, the visit's result of record (or its not-measurable clip), its quality state and,
    when both count, the change since the latest earlier counted result of record in that view."""
    mine = list(visit_assessments(user=user, visit_id=visit.pk).filter(analysed_at__isnull=False))
    record = results_of_record(mine)
    by_view = {a.view: a for a in record.values()}
    for a in mine:  # oldest first: the latest not-measurable clip stands for a view with no number
        if not a.shows_numbers and all(b.view != a.view for b in record.values()):
            by_view[a.view] = a
    shown = list(by_view.values())
    earlier = results_of_record(
        list(
            patient_assessments(user=user, patient=visit.patient)
            .filter(analysed_at__isnull=False)
            .filter(
                Q(visit__visit_date__lt=visit.visit_date)
                | Q(visit__isnull=True, created_at__date__lt=visit.visit_date)  # an accepted self-check
            )
        )
    )
    items = []
    for a in sorted(shown, key=lambda a: CameraView.values.index(a.view)):
        baseline = max(
            (b for b in earlier.values() if b.view == a.view and b.counts),
            key=lambda b: (b.measured_on, b.created_at),
            default=None,
        )
        change = change_words(before=baseline, after=a) if baseline is not None and a.counts else None
        items.append({"assessment": a, "baseline": baseline if change else None, "change": change})
    return items


def hip_checks_for(user: Any) -> QuerySet[ManualHipCheck]:
    """Manual hip checks on assessments the user may see, newest first."""
    if not can_view_results(user):
        return ManualHipCheck.objects.none()
    return ManualHipCheck.objects.filter(assessment__in=assessment_queryset_for(user)).select_related(
        "assessment__patient", "checked_by"
    )


def clinic_agreement(*, user: Any) -> tuple[list[ManualHipCheck], Agreement | None]:
    """Every manual check the user may see and the engine-vs-clinician agreement over them
    (Bland-Altman bias and 95% limits, ICC(2,1)); None below two checks."""
    checks = list(hip_checks_for(user))
    if len(checks) < 2:
        return checks, None
    try:
        stats = agreement(np.array([c.engine_cpd_deg for c in checks]), np.array([c.manual_cpd_deg for c in checks]))
    except ValueError:
        return checks, None
    return checks, stats


# What the athlete reads about a self-check, by state. Before a clinician's review no number is shown.
SELF_CHECK_ANALYSING = "analysing"
SELF_CHECK_WAITING = "waiting_for_review"
SELF_CHECK_REVIEWED = "reviewed"
SELF_CHECK_STATE_TEXT = {
    SELF_CHECK_ANALYSING: "Your video is being analysed; then your clinician will review it. You will see the "
    "result here with their words.",
    SELF_CHECK_WAITING: "Sent to your clinic, waiting for review. You will see the result here with your "
    "clinician's words once they have looked at it.",
    SELF_CHECK_REVIEWED: "Reviewed by your clinician.",
}


@dataclass(frozen=True)
class AthleteSelfCheck:
    """A self-check as its athlete sees it: its state, and after the review the clinician's words and
    (for a result that counts) the numbers in plain, positive words."""

    assessment: Assessment
    state: str
    state_text: str
    comment: str = ""
    reviewed_by: str = ""
    reviewed_at: datetime.datetime | None = None
    in_trend: bool = False
    summary: str = ""
    cpd_left_mean_deg: float | None = None
    cpd_right_mean_deg: float | None = None
    mean_cpd_deg: float | None = None
    cadence_spm: float | None = None

    @property
    def is_reviewed(self) -> bool:
        return self.state == SELF_CHECK_REVIEWED


def athlete_self_check(assessment: Assessment) -> AthleteSelfCheck:
    if not assessment.is_reviewed:
        state = SELF_CHECK_ANALYSING if assessment.is_running else SELF_CHECK_WAITING
        return AthleteSelfCheck(assessment=assessment, state=state, state_text=SELF_CHECK_STATE_TEXT[state])
    reviewer = assessment.reviewed_by
    numbers: dict[str, float | None] = {}
    if assessment.counts and assessment.mean_cpd_deg is not None:
        summary = f"On average your pelvis stayed within {abs(assessment.mean_cpd_deg):.1f}° of level with each step."
        numbers = {
            key: getattr(assessment, key)
            for key in ("cpd_left_mean_deg", "cpd_right_mean_deg", "mean_cpd_deg", "cadence_spm")
        }
    else:
        summary = (
            "This clip did not give a reliable number this time; your clinician's words above say what to try next."
        )
    return AthleteSelfCheck(
        assessment=assessment,
        state=SELF_CHECK_REVIEWED,
        state_text=SELF_CHECK_STATE_TEXT[SELF_CHECK_REVIEWED],
        comment=assessment.review_comment,
        reviewed_by=(reviewer.get_full_name() or reviewer.get_username()) if reviewer else "your clinician",
        reviewed_at=assessment.reviewed_at,
        in_trend=assessment.in_trend,
        summary=summary,
        **numbers,
    )
