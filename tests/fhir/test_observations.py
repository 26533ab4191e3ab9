"""Observation: one per gait metric of an analysed assessment, UCUM units, the project's codes,
the quality state as interpretation and notes, and no value when the clip was not measurable."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_api.resources.common import GAIT_METRICS_SYSTEM, MEASUREMENT_QUALITY_SYSTEM
from tests.factories import AssessmentFactory
from tests.fhir.conftest import FhirClient, ids

pytestmark = pytest.mark.django_db

ALL_CODES = [
    "cpd-left",
    "cpd-right",
    "cpd-mean",
    "cadence",
    "hip-adduction-peak",
    "knee-fppa-midstance",
    "step-width-ratio",
]


def analysed(visit: Any, quality: dict[str, Any], **columns: Any) -> Any:
    result = {
        "quality": quality,
        "summary": {
            "left": {"step_width_ratio": {"mean": 0.31, "sd": 0.1, "median": 0.3, "n": 9}},
            "right": {"step_width_ratio": {"mean": -0.05, "sd": 0.1, "median": -0.04, "n": 9}},
        },
        "stances": [],
    }
    numbers = {
        "hip_adduction_left_deg": 11.5,
        "hip_adduction_right_deg": 9.25,
        "fppa_left_deg": 7.0,
        "fppa_right_deg": 4.5,
        **columns,
    }
    return AssessmentFactory(visit=visit, patient=visit.patient, result=result, **numbers)


def by_code(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}


def test_a_measurable_assessment_gives_seven_observations_with_ucum_units(clinician, visit_a):
    assessment = analysed(visit_a, {"status": "measurable", "ok": True, "flags": []})
    _, bundle = FhirClient(clinician).get("Observation", {"patient": visit_a.patient_id})
    observations = by_code(bundle)
    assert sorted(observations) == sorted(ALL_CODES)
    left = observations["cpd-left"]
    assert left["id"] == f"assessment-{assessment.pk}-cpd-left"
    assert left["code"]["coding"][0]["system"] == GAIT_METRICS_SYSTEM
    assert left["valueQuantity"] == {"value": 6.0, "unit": "deg", "system": "http://unitsofmeasure.org", "code": "deg"}
    assert observations["cpd-right"]["valueQuantity"]["value"] == 4.0
    assert observations["cpd-mean"]["valueQuantity"]["value"] == 5.0
    assert observations["cadence"]["valueQuantity"]["code"] == "/min"
    assert observations["cadence"]["valueQuantity"]["value"] == 168.0
    assert [c["coding"][0]["code"] for c in observations["cadence"]["category"]] == ["exam", "activity"]
    assert [c["coding"][0]["code"] for c in left["category"]] == ["exam"]
    hip = observations["hip-adduction-peak"]
    assert "valueQuantity" not in hip and "dataAbsentReason" not in hip
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in hip["component"]] == [
        ("hip-adduction-peak-left", 11.5),
        ("hip-adduction-peak-right", 9.25),
    ]
    step = observations["step-width-ratio"]
    assert [c["valueQuantity"]["value"] for c in step["component"]] == [0.31, -0.05]
    assert step["component"][0]["valueQuantity"]["code"] == "1"
    assert left["subject"] == {"reference": f"Patient/{visit_a.patient_id}"}
    assert left["encounter"] == {"reference": f"Encounter/{visit_a.pk}"}
    assert left["effectiveDateTime"] == visit_a.visit_date.isoformat()
    assert left["interpretation"][0]["coding"][0] == {
        "system": MEASUREMENT_QUALITY_SYSTEM,
        "code": "measurable",
        "display": "Measurable",
    }
    assert "note" not in left


def test_every_observation_is_derived_from_the_assessments_video_which_the_server_serves(clinician, visit_a):
    assessment = analysed(visit_a, {"status": "measurable", "ok": True, "flags": []})
    client = FhirClient(clinician)
    _, observation = client.get(f"Observation/assessment-{assessment.pk}-cpd-mean")
    assert observation["derivedFrom"][0]["reference"] == f"Media/assessment-{assessment.pk}"
    response, media = client.get(observation["derivedFrom"][0]["reference"])
    assert response.status_code == 200
    assert media["type"]["coding"][0]["code"] == "video"
    assert media["content"]["url"] == f"http://testserver/assessments/{assessment.pk}/video/"


def test_a_not_measurable_result_carries_no_value_only_the_reason(clinician, visit_a):
    flag = {"code": "sideways_view", "message": "The athlete was filmed from the side."}
    # Numbers in the columns too (an older analysis): the state, not the columns, decides.
    analysed(visit_a, {"status": "not_measurable", "ok": False, "flags": [flag]})
    _, bundle = FhirClient(clinician).get("Observation", {"patient": visit_a.patient_id})
    assert len(bundle["entry"]) == 7
    for code, observation in by_code(bundle).items():
        assert "valueQuantity" not in observation, code
        assert observation["interpretation"][0]["coding"][0]["code"] == "not_measurable"
        assert observation["note"] == [{"text": "The athlete was filmed from the side."}]
        for part in [observation, *observation.get("component", [])]:
            if "component" in part:
                assert "dataAbsentReason" not in part  # the components say it
                continue
            assert "valueQuantity" not in part
            assert part["dataAbsentReason"]["coding"][0]["code"] == "unknown"
            assert "filmed from the side" in part["dataAbsentReason"]["text"]


def test_a_low_confidence_result_keeps_its_numbers_with_the_reason_as_a_note(clinician, visit_a):
    flag = {"code": "too_few_stances", "message": "Only 5 stances on the left; 7 are needed for a stable mean."}
    analysed(visit_a, {"status": "low_confidence", "ok": False, "flags": [flag]})
    _, bundle = FhirClient(clinician).get("Observation", {"patient": visit_a.patient_id, "code": "cpd-left"})
    (observation,) = [e["resource"] for e in bundle["entry"]]
    assert observation["valueQuantity"]["value"] == 6.0
    assert observation["interpretation"][0]["coding"][0]["code"] == "low_confidence"
    assert observation["interpretation"][0]["coding"][0]["display"] == "Low confidence"
    assert observation["note"] == [{"text": flag["message"]}]


def test_a_flagged_result_from_before_the_three_states_reads_as_low_confidence(clinician, visit_a):
    analysed(visit_a, {"ok": False, "flags": [{"code": "low_fps", "message": "Filmed at 20 fps."}]}, status="flagged")
    _, bundle = FhirClient(clinician).get("Observation", {"code": "cadence"})
    (observation,) = [e["resource"] for e in bundle["entry"]]
    assert observation["interpretation"][0]["coding"][0]["code"] == "low_confidence"
    assert observation["valueQuantity"]["value"] == 168.0


def test_a_missing_metric_is_data_absent_not_zero(clinician, visit_a):
    analysed(visit_a, {"status": "measurable", "ok": True, "flags": []}, cadence_spm=None)
    _, bundle = FhirClient(clinician).get("Observation", {"code": "cadence"})
    (observation,) = [e["resource"] for e in bundle["entry"]]
    assert "valueQuantity" not in observation
    assert observation["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_an_assessment_not_yet_analysed_has_no_observations(clinician, visit_a):
    AssessmentFactory(visit=visit_a, patient=visit_a.patient, status="queued", analysed_at=None, result=None)
    _, bundle = FhirClient(clinician).get("Observation")
    assert bundle["total"] == 0


def test_an_athlete_reads_the_summary_metrics_of_their_own_assessment_only(athlete_a, visit_a):
    assessment = analysed(visit_a, {"status": "measurable", "ok": True, "flags": []})
    client = FhirClient(athlete_a[0])
    _, bundle = client.get("Observation")
    assert sorted(by_code(bundle)) == ["cadence", "cpd-left", "cpd-mean", "cpd-right"]
    # The REST API gives an athlete no hip adduction, FPPA or step width: nor does FHIR.
    response, body = client.get(f"Observation/assessment-{assessment.pk}-hip-adduction-peak")
    assert response.status_code == 404
    assert body["issue"][0]["code"] == "not-found"
    assert ids(client.get("Observation", {"code": "step-width-ratio"})[1]) == []


def test_an_unknown_observation_id_is_a_404(clinician, visit_a):
    assessment = analysed(visit_a, {"status": "measurable", "ok": True, "flags": []})
    for bad in (
        f"assessment-{assessment.pk}-made-up",
        "assessment-x-cpd-left",
        f"{assessment.pk}",
        "assessment-999-cpd-left",
    ):
        response, body = FhirClient(clinician).get(f"Observation/{bad}")
        assert response.status_code == 404, bad
        assert body["issue"][0]["diagnostics"] == f"Observation/{bad} is not known."
