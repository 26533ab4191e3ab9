"""Observation: one per gait metric of an analysed assessment (MEASUREMENT.md), derived from
the treadmill video (``Media/assessment-<id>``).

No LOINC term exists for these 2D-video running kinematics (LOINC's step codes count steps over
a day or a week from a pedometer, not a running cadence in steps/min measured on a treadmill
clip), so every code is the project's own (``GAIT_METRICS_SYSTEM``); units are UCUM.

The quality gate's state (issue 13: measurable, low_confidence, not_measurable) is the
interpretation; its reasons are notes. A not-measurable result carries no value, only a
``dataAbsentReason``: no number is shown anywhere for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from fhir_api.resources.common import (
    DATA_ABSENT_REASON,
    GAIT_METRICS_SYSTEM,
    MEASUREMENT_QUALITY_SYSTEM,
    OBSERVATION_CATEGORY,
    UCUM,
    concept,
    instant,
    reference,
    row_id,
)
from fhir_api.resources.media import video_media_id

MEASURABLE, LOW_CONFIDENCE, NOT_MEASURABLE = "measurable", "low_confidence", "not_measurable"
QUALITY_LABELS = {MEASURABLE: "Measurable", LOW_CONFIDENCE: "Low confidence", NOT_MEASURABLE: "Not measurable"}

DEG = {"unit": "deg", "system": UCUM, "code": "deg"}
PER_MIN = {"unit": "steps/min", "system": UCUM, "code": "/min"}
RATIO = {"unit": "ratio to hip width", "system": UCUM, "code": "1"}


@dataclass(frozen=True)
class Metric:
    """One Observation per assessment: a value (``value``) or a left and a right component (``sides``)."""

    code: str
    display: str
    unit: dict[str, str]
    value: str = ""  # the AssessmentNumbers.values key of a single value
    sides: tuple[str, str] = ("", "")  # the keys of the left and right values
    activity: bool = False  # cadence is also a physical-activity measure
    for_athletes: bool = False  # the summary an athlete reads over the REST API too


METRICS: tuple[Metric, ...] = (
    Metric(
        "cpd-left",
        "Contralateral pelvic drop at midstance, left stance",
        DEG,
        value="cpd_left_mean_deg",
        for_athletes=True,
    ),
    Metric(
        "cpd-right",
        "Contralateral pelvic drop at midstance, right stance",
        DEG,
        value="cpd_right_mean_deg",
        for_athletes=True,
    ),
    Metric(
        "cpd-mean",
        "Mean contralateral pelvic drop at midstance, left and right",
        DEG,
        value="mean_cpd_deg",
        for_athletes=True,
    ),
    Metric("cadence", "Running cadence", PER_MIN, value="cadence_spm", activity=True, for_athletes=True),
    Metric(
        "hip-adduction-peak",
        "Peak hip adduction in stance",
        DEG,
        sides=("hip_adduction_left_deg", "hip_adduction_right_deg"),
    ),
    Metric(
        "knee-fppa-midstance",
        "Knee frontal plane projection angle at midstance",
        DEG,
        sides=("fppa_left_deg", "fppa_right_deg"),
    ),
    Metric(
        "step-width-ratio",
        "Step width at initial contact, as a ratio of hip width",
        RATIO,
        sides=("step_width_left_ratio", "step_width_right_ratio"),
    ),
)
METRICS_BY_CODE = {metric.code: metric for metric in METRICS}


@dataclass(frozen=True)
class AssessmentNumbers:
    """What the Observations of one analysed assessment are made of (a selector row)."""

    assessment_id: int
    patient_id: int
    visit_id: int | None  # None: a self-check the clinician accepted into the trend (no visit)
    visit_date: datetime.date  # the visit's date, or the day the self-check was sent
    analysed_at: datetime.datetime
    view: str
    analysis_version: str
    status: str  # the assessment's status (done / flagged / ...)
    values: dict[str, float | None]
    quality: dict[str, Any] = field(default_factory=dict)  # the result JSON's "quality"
    self_check: bool = False


# A self-check accepted into the trend keeps its own method, so a reader never takes it for a clinic
# measurement (issue 12, item 7).
METHOD_SYSTEM = "https://stride.clinic/fhir/CodeSystem/gait-video-methods"
CLINIC_METHOD = ("clinic-treadmill-video", "Treadmill video filmed at the clinic")
SELF_CHECK_METHOD = ("athlete-self-check-video", "Self-check video filmed by the athlete between visits")
SELF_CHECK_NOTE = (
    "Self-check: filmed by the athlete between visits, not at the clinic; a clinician reviewed it and "
    "accepted it into the hip-drop trend."
)


def observation_id(assessment_id: int, code: str) -> str:
    return f"assessment-{assessment_id}-{code}"


def parse_observation_id(resource_id: str) -> tuple[int, str] | None:
    """(assessment id, metric code) of an Observation id, or None if it names no metric."""
    prefix, _, rest = resource_id.partition("-")
    number, _, code = rest.partition("-")
    pk = row_id(number)
    if prefix != "assessment" or pk is None or code not in METRICS_BY_CODE:
        return None
    return pk, code


def quality_status(quality: dict[str, Any], assessment_status: str) -> str:
    """The gate's state: ``quality.status`` when the result has it (issue 13), otherwise read from
    the older results' ``ok`` flag (a flagged result kept its numbers: low confidence)."""
    status = quality.get("status")
    if status in QUALITY_LABELS:
        return str(status)
    ok = quality.get("ok")
    if ok is None:
        ok = assessment_status == "done"
    return MEASURABLE if ok else LOW_CONFIDENCE


def _quantity(value: float, unit: dict[str, str]) -> dict[str, Any]:
    return {"value": round(float(value), 2), **unit}


def _absent(text: str) -> dict[str, Any]:
    return concept(DATA_ABSENT_REASON, "unknown", "Unknown", text=text)


def _value_or_absent(value: float | None, unit: dict[str, str], measurable: bool, why_absent: str) -> dict[str, Any]:
    if measurable and value is not None:
        return {"valueQuantity": _quantity(value, unit)}
    return {"dataAbsentReason": _absent(why_absent)}


def observation_resource(numbers: AssessmentNumbers, metric: Metric) -> dict[str, Any]:
    state = quality_status(numbers.quality, numbers.status)
    measurable = state != NOT_MEASURABLE
    flags = [flag for flag in numbers.quality.get("flags") or [] if isinstance(flag, dict)]
    why_absent = (
        "Not measurable: " + "; ".join(str(f.get("message", "")) for f in flags if f.get("message"))
        if not measurable
        else "The analysis could not compute this value from the clip."
    ).rstrip(": ")
    method = SELF_CHECK_METHOD if numbers.self_check else CLINIC_METHOD
    categories = [concept(OBSERVATION_CATEGORY, "exam", "Exam")]
    if metric.activity:
        categories.append(concept(OBSERVATION_CATEGORY, "activity", "Activity"))
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": observation_id(numbers.assessment_id, metric.code),
        "status": "final",
        "category": categories,
        "code": concept(GAIT_METRICS_SYSTEM, metric.code, metric.display),
        "subject": reference("Patient", numbers.patient_id),
        **({"encounter": reference("Encounter", numbers.visit_id)} if numbers.visit_id is not None else {}),
        "effectiveDateTime": numbers.visit_date.isoformat(),
        "issued": instant(numbers.analysed_at),
        "method": {
            "coding": [{"system": METHOD_SYSTEM, "code": method[0], "display": method[1]}],
            "text": f"{'Athlete self-check' if numbers.self_check else '2D treadmill'} video, {numbers.view} view, "
            f"pose estimation (engine {numbers.analysis_version})",
        },
        "derivedFrom": [reference("Media", video_media_id(numbers.assessment_id), "Treadmill video")],
        "interpretation": [concept(MEASUREMENT_QUALITY_SYSTEM, state, QUALITY_LABELS[state])],
    }
    if metric.value:
        resource.update(_value_or_absent(numbers.values.get(metric.value), metric.unit, measurable, why_absent))
    else:
        left, right = metric.sides
        # With components and no value of its own, the Observation needs no dataAbsentReason (obs-6).
        resource["component"] = [
            {
                "code": concept(GAIT_METRICS_SYSTEM, f"{metric.code}-{side}", f"{metric.display}, {side}"),
                **_value_or_absent(numbers.values.get(key), metric.unit, measurable, why_absent),
            }
            for side, key in (("left", left), ("right", right))
        ]
    notes = [{"text": SELF_CHECK_NOTE}] if numbers.self_check else []
    notes += [{"text": str(flag["message"])} for flag in flags if flag.get("message")]
    if notes:
        resource["note"] = notes
    return resource


def metric_codes_for(*, full_results: bool) -> tuple[str, ...]:
    """Staff with full results read every metric; an athlete the summary the REST API gives them."""
    return tuple(m.code for m in METRICS if full_results or m.for_athletes)
