"""Programs over REST: who reads and writes what, and bad logs answered with 400s naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Exercise, ExerciseLog, Prescription, SessionLog
from tests.programs.conftest import HIP_THREE, log

pytestmark = pytest.mark.django_db


def _entries(prescription, pain=2):
    return [
        {"exercise": item.exercise_id, "sets_done": item.sets, "reps_done": item.reps, "pain_during": pain}
        for item in prescription.items.all()
    ]


def _payload(prescription, **overrides):
    payload = {
        "prescription": prescription.pk,
        "performed_on": timezone.localdate().isoformat(),
        "entries": _entries(prescription),
    }
    payload.update(overrides)
    return payload


def test_every_role_reads_the_exercise_library(api_as, clinician, front_desk, athlete_a):
    for user in (clinician, front_desk, athlete_a[0]):
        body = api_as(user).get("/api/v1/exercises/?search=side plank").json()
        names = {row["name"] for row in body["results"]}
        assert "Side plank with top-leg hip abduction" in names, user
    row = api_as(front_desk).get("/api/v1/exercises/?search=clamshell").json()["results"][0]
    assert row["instructions"][0] == "Keep your feet touching."
    assert row["illustration_url"].endswith("programs/exercises/clamshell.svg")


def test_anonymous_gets_401(api):
    assert api.get("/api/v1/exercises/").status_code == 401
    assert api.get("/api/v1/logs/").status_code == 401


def test_athlete_reads_only_their_own_prescription(api_as, athlete_a, prescription_a, prescription_b):
    client = api_as(athlete_a[0])
    rows = client.get("/api/v1/prescriptions/").json()["results"]
    assert [row["id"] for row in rows] == [prescription_a.pk]
    assert {item["exercise_name"] for item in rows[0]["items"]} == HIP_THREE
    assert client.get(f"/api/v1/prescriptions/{prescription_b.pk}/").status_code == 404


def test_athlete_cannot_log_against_another_athletes_prescription(api_as, athlete_a, prescription_a, prescription_b):
    response = api_as(athlete_a[0]).post("/api/v1/logs/", _payload(prescription_b), format="json")
    assert response.status_code == 404
    assert SessionLog.objects.count() == 0


def test_athlete_cannot_read_another_athletes_logs(api_as, athlete_a, prescription_a, prescription_b):
    theirs = log(prescription_b, pain=4)
    mine = log(prescription_a, pain=1)
    client = api_as(athlete_a[0])
    assert [row["id"] for row in client.get("/api/v1/logs/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/logs/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/logs/{theirs.pk}/next-morning/", {"pain_next_morning": 1}).status_code == 404
    assert client.get(f"/api/v1/programs/{prescription_b.program_id}/").status_code == 200  # same template


def test_athlete_logs_a_session_against_their_active_prescription(api_as, athlete_a, prescription_a):
    response = api_as(athlete_a[0]).post("/api/v1/logs/", _payload(prescription_a, note="Felt good"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["note"] == "Felt good"
    assert {entry["exercise_name"] for entry in body["entries"]} == HIP_THREE
    assert {entry["pain_during"] for entry in body["entries"]} == {2}
    session = SessionLog.objects.get()
    assert session.patient == athlete_a[1] and session.logged_by == athlete_a[0]


def test_athlete_records_next_morning_pain(api_as, athlete_a, prescription_a):
    session = log(prescription_a, days_ago=1)
    response = api_as(athlete_a[0]).post(f"/api/v1/logs/{session.pk}/next-morning/", {"pain_next_morning": 1})
    assert response.status_code == 200
    assert response.json()["pain_next_morning"] == 1
    session.refresh_from_db()
    assert session.pain_next_morning == 1


def test_athlete_can_never_change_dosage(api_as, athlete_a, prescription_a):
    client = api_as(athlete_a[0])
    item = prescription_a.items.first()
    assert client.patch(f"/api/v1/prescriptions/{prescription_a.pk}/", {"status": "ended"}).status_code in (403, 405)
    revise = {"exercises": [{"id": item.pk, "reps": 30}], "reason": "I want more"}
    assert client.post(f"/api/v1/prescriptions/{prescription_a.pk}/revise/", revise, format="json").status_code == 403
    payload = _payload(prescription_a)
    payload["entries"][0].update({"sets": 9, "reps": 40})  # dosage keys in a log are ignored
    assert client.post("/api/v1/logs/", payload, format="json").status_code == 201
    assert (
        client.post(
            "/api/v1/prescriptions/", {"patient": athlete_a[1].pk, "program": prescription_a.program_id}
        ).status_code
        == 403
    )
    item.refresh_from_db()
    assert (item.sets, item.reps) == (2, 10)
    assert Prescription.objects.filter(patient=athlete_a[1]).count() == 1


def test_athlete_cannot_log_against_a_superseded_prescription(api_as, athlete_a, prescription_a, clinician):
    api_as(clinician).post(
        f"/api/v1/prescriptions/{prescription_a.pk}/revise/",
        {"exercises": [{"id": prescription_a.items.first().pk, "reps": 12}], "reason": "progress"},
        format="json",
    )
    api_as(athlete_a[0])
    response = api_as(athlete_a[0]).post("/api/v1/logs/", _payload(prescription_a), format="json")
    assert response.status_code == 400
    assert "replaced" in response.json()["prescription"][0]


def test_front_desk_cannot_read_programs_prescriptions_or_logs(api_as, front_desk, prescription_a):
    log(prescription_a)
    client = api_as(front_desk)
    for url in (
        "/api/v1/programs/",
        "/api/v1/prescriptions/",
        "/api/v1/logs/",
        f"/api/v1/prescriptions/{prescription_a.pk}/",
        f"/api/v1/logs/{SessionLog.objects.get().pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "results" not in response.json()
    assert client.post("/api/v1/logs/", _payload(prescription_a), format="json").status_code == 403


def test_clinician_reads_logs_but_cannot_log_for_the_athlete(api_as, clinician, prescription_a, prescription_b):
    log(prescription_a, pain=3)
    log(prescription_b, pain=1)
    client = api_as(clinician)
    body = client.get(f"/api/v1/logs/?patient={prescription_a.patient_id}").json()
    assert [row["entries"][0]["pain_during"] for row in body["results"]] == [3]
    assert client.post("/api/v1/logs/", _payload(prescription_a), format="json").status_code == 403


def test_clinician_prescribes_and_revises_over_the_api(api_as, clinician, athlete_a, visit_a, hip_template):
    client = api_as(clinician)
    response = client.post(
        "/api/v1/prescriptions/",
        {"patient": athlete_a[1].pk, "program": hip_template.pk, "visit": visit_a.pk, "cadence_baseline_spm": 170},
        format="json",
    )
    assert response.status_code == 201, response.json()
    first = response.json()
    assert first["version"] == 1 and first["cadence_target_spm"] == 182
    item = first["items"][0]
    revised = client.post(
        f"/api/v1/prescriptions/{first['id']}/revise/",
        {"exercises": [{"id": item["id"], "sets": 3}], "reason": "All sets done, pain 1/10"},
        format="json",
    )
    assert revised.status_code == 201, revised.json()
    assert revised.json()["supersedes"] == first["id"] and revised.json()["items"][0]["sets"] == 3
    old = client.get(f"/api/v1/prescriptions/{first['id']}/").json()
    assert old["status"] == "superseded" and old["items"][0]["sets"] == item["sets"]


def test_clinician_gets_progression_suggestions(api_as, clinician, prescription_a):
    for days_ago in (5, 3, 1):
        log(prescription_a, days_ago=days_ago, pain=1, morning=1)
    rows = api_as(clinician).get(f"/api/v1/prescriptions/{prescription_a.pk}/suggestions/").json()
    side_lying = next(r for r in rows if r["exercise"] == Exercise.objects.get(slug="side-lying-hip-abduction").pk)
    assert side_lying["decision"] == "progress" and side_lying["reps"] == 12


def test_clinician_builds_a_program_from_exercises(api_as, clinician):
    ids = list(Exercise.objects.filter(slug__in=["clamshell", "hip-hike"]).values_list("pk", flat=True))
    response = api_as(clinician).post(
        "/api/v1/programs/",
        {"name": "Hip basics", "exercises": ids, "gait_cues": "Squeeze your buttocks"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    phase = response.json()["phases"][0]
    assert {row["exercise_name"] for row in phase["exercises"]} == {"Clamshell", "Hip hike"}


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"entry": {"reps_done": -2}}, ("entries", "0", "reps_done"), "greater than or equal to 0"),
        ({"entry": {"sets_done": -1}}, ("entries", "0", "sets_done"), "greater than or equal to 0"),
        ({"entry": {"pain_during": 11}}, ("entries", "0", "pain_during"), "less than or equal to 10"),
        ({"entry": {"exercise": 999999}}, ("entries", "0", "exercise"), "not part of this prescription"),
        ({"entry": {"exercise": "__CLAMSHELL__"}}, ("entries", "0", "exercise"), "not part of this prescription"),
        ({"entry": {"pain_during": None}}, ("entries", "0", "pain_during"), "may not be null"),
        ({"top": {"performed_on": "__TOMORROW__"}}, ("performed_on",), "in the future"),
        ({"top": {"performed_on": "last tuesday"}}, ("performed_on",), "wrong format"),
        ({"top": {"pain_next_morning": 11}}, ("pain_next_morning",), "less than or equal to 10"),
        ({"top": {"entries": []}}, ("entries", "non_field_errors"), "may not be empty"),
        ({"top": {"prescription": "abc"}}, ("prescription",), "valid integer"),
    ],
)
def test_bad_logs_get_400_naming_the_field(api_as, athlete_a, prescription_a, change, path, message):
    payload = _payload(prescription_a)
    tokens = {
        "__TOMORROW__": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "__CLAMSHELL__": Exercise.objects.get(slug="clamshell").pk,
    }
    payload.update({k: tokens.get(v, v) if isinstance(v, str) else v for k, v in change.get("top", {}).items()})
    payload["entries"] and payload["entries"][0].update(
        {k: tokens.get(v, v) if isinstance(v, str) else v for k, v in change.get("entry", {}).items()}
    )
    response = api_as(athlete_a[0]).post("/api/v1/logs/", payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    for key in path:
        error = error[key]
    assert message in " ".join(error)
    assert SessionLog.objects.count() == 0 and ExerciseLog.objects.count() == 0
