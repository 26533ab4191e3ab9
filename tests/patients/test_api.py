"""Patients and visits over REST: who sees what, and bad input answered with 400s."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from patients.models import Patient, Visit
from tests.two_factor import authenticator_for, current_code

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401_on_patients_and_visits(api, athlete_a, visit_a):
    for url in ("/api/v1/patients/", f"/api/v1/patients/{athlete_a[1].pk}/", "/api/v1/visits/", "/api/v1/users/me/"):
        response = api.get(url)
        assert response.status_code == 401, url
        assert "credentials" in response.json()["detail"]


def test_athlete_lists_only_their_own_patient_record(api_as, athlete_a, athlete_b):
    response = api_as(athlete_a[0]).get("/api/v1/patients/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [athlete_a[1].pk]


def test_athlete_cannot_read_another_athletes_patient(api_as, athlete_a, athlete_b):
    response = api_as(athlete_a[0]).get(f"/api/v1/patients/{athlete_b[1].pk}/")
    assert response.status_code == 404


def test_athlete_cannot_read_another_athletes_visit(api_as, athlete_a, visit_b):
    client = api_as(athlete_a[0])
    assert client.get(f"/api/v1/visits/{visit_b.pk}/").status_code == 404
    assert client.get("/api/v1/visits/").json()["results"] == []
    assert client.get(f"/api/v1/visits/?patient={visit_b.patient_id}").status_code in (200, 400)
    assert client.get(f"/api/v1/visits/?patient={visit_b.patient_id}").json().get("results", []) == []


def test_athlete_reads_their_own_visit_notes(api_as, athlete_a, visit_a):
    body = api_as(athlete_a[0]).get(f"/api/v1/visits/{visit_a.pk}/").json()
    assert body["plan"] == visit_a.plan
    assert body["patient"] == athlete_a[1].pk


def test_athlete_cannot_change_their_record_or_add_visits(api_as, athlete_a, clinician):
    client = api_as(athlete_a[0])
    assert client.patch(f"/api/v1/patients/{athlete_a[1].pk}/", {"first_name": "X"}).status_code == 403
    response = client.post("/api/v1/visits/", {"patient": athlete_a[1].pk, "visit_date": "2026-01-05"})
    assert response.status_code == 403
    assert Patient.objects.get(pk=athlete_a[1].pk).first_name == "Ada"


def test_front_desk_gets_demographics_without_clinical_fields(api_as, front_desk, athlete_a, visit_a):
    body = api_as(front_desk).get(f"/api/v1/patients/{athlete_a[1].pk}/").json()
    assert body["last_name"] == "Alpha"
    assert body["phone"] == athlete_a[1].phone
    for clinical in ("complaints", "intake", "weekly_distance_km", "goal_event"):
        assert clinical not in body


def test_front_desk_cannot_read_visit_notes(api_as, front_desk, visit_a):
    client = api_as(front_desk)
    assert client.get("/api/v1/visits/").status_code == 403
    assert client.get(f"/api/v1/visits/{visit_a.pk}/").status_code == 403


def test_front_desk_creates_patient_but_cannot_set_running_profile(api_as, front_desk):
    response = api_as(front_desk).post(
        "/api/v1/patients/",
        {"first_name": "Nia", "last_name": "Long", "date_of_birth": "1991-05-02", "weekly_distance_km": 50},
        format="json",
    )
    assert response.status_code == 201, response.json()
    patient = Patient.objects.get(last_name="Long")
    assert patient.weekly_distance_km is None
    assert "weekly_distance_km" not in response.json()


def test_clinician_sees_clinical_record_and_every_patient(api_as, clinician, athlete_a, athlete_b):
    response = api_as(clinician).get("/api/v1/patients/")
    assert {row["last_name"] for row in response.json()["results"]} == {"Alpha", "Beta"}
    assert "complaints" in response.json()["results"][0]


def test_clinician_records_a_visit_led_by_themselves(api_as, clinician, athlete_a):
    response = api_as(clinician).post(
        "/api/v1/visits/",
        {"patient": athlete_a[1].pk, "visit_date": "2026-11-01", "subjective": "Better", "plan": "Progress"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    visit = Visit.objects.get(pk=response.json()["id"])
    assert visit.clinician == clinician
    assert visit.subjective == "Better"


def test_patient_search_and_filter(api_as, clinician, athlete_a, athlete_b):
    client = api_as(clinician)
    assert [r["last_name"] for r in client.get("/api/v1/patients/?search=bet").json()["results"]] == ["Beta"]
    assert client.get("/api/v1/patients/?is_active=false").json()["count"] == 0


def test_patients_are_paginated(api_as, clinician):
    from tests.factories import PatientFactory

    PatientFactory.create_batch(30)
    body = api_as(clinician).get("/api/v1/patients/").json()
    assert body["count"] == 30
    assert len(body["results"]) == 25
    assert body["next"].endswith("page=2")


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"last_name": "X", "date_of_birth": "1990-01-01"}, "first_name", "This field is required."),
        (
            {"first_name": "A", "last_name": "X", "date_of_birth": "31/12/1990"},
            "date_of_birth",
            "Date has wrong format",
        ),
        (
            {"first_name": "A", "last_name": "X", "date_of_birth": "2999-01-01"},
            "date_of_birth",
            "cannot be in the future",
        ),
        ({"first_name": "A" * 101, "last_name": "X", "date_of_birth": "1990-01-01"}, "first_name", "no more than 100"),
        (
            {"first_name": "A", "last_name": "X", "date_of_birth": "1990-01-01", "sex": "robot"},
            "sex",
            "not a valid choice",
        ),
        ({"first_name": "A", "last_name": "X", "date_of_birth": "1990-01-01", "email": "nope"}, "email", "valid email"),
        (
            {"first_name": "A", "last_name": "X", "date_of_birth": "1990-01-01", "weekly_distance_km": -3},
            "weekly_distance_km",
            "greater than or equal to 0",
        ),
    ],
)
def test_bad_patient_input_gets_400_naming_the_field(api_as, clinician, payload, field, message):
    response = api_as(clinician).post("/api/v1/patients/", payload, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"patient": 999999, "visit_date": "2026-01-01"}, "patient", "does not exist"),
        ({"visit_date": "2026-01-01"}, "patient", "required"),
        ({"patient": "PATIENT", "visit_date": "2026-01-01"}, "patient", "Incorrect type"),
        ({"patient": "__A__", "visit_date": "2999-01-01"}, "visit_date", "in the future"),
        ({"patient": "__A__", "visit_date": "yesterday"}, "visit_date", "wrong format"),
        ({"patient": "__A__", "visit_date": "2026-01-01", "clinician": "__DESK__"}, "clinician", "led by a clinician"),
    ],
)
def test_bad_visit_input_gets_400_naming_the_field(api_as, clinician, front_desk, athlete_a, payload, field, message):
    ids = {"__A__": athlete_a[1].pk, "__DESK__": front_desk.pk}
    payload = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in payload.items()}
    response = api_as(clinician).post("/api/v1/visits/", payload, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert Visit.objects.count() == 0


def test_unknown_patient_id_is_404(api_as, clinician):
    assert api_as(clinician).get("/api/v1/patients/424242/").status_code == 404


def test_clinician_cannot_move_a_visit_to_another_patient(api_as, clinician, visit_a, athlete_b):
    response = api_as(clinician).patch(f"/api/v1/visits/{visit_a.pk}/", {"patient": athlete_b[1].pk}, format="json")
    assert response.status_code == 400
    visit_a.refresh_from_db()
    assert visit_a.patient != athlete_b[1]


def test_users_me_tells_role_and_linked_patient(api_as, athlete_a, clinician):
    assert api_as(athlete_a[0]).get("/api/v1/users/me/").json()["patient_id"] == athlete_a[1].pk
    body = api_as(clinician).get("/api/v1/users/me/").json()
    assert (body["role"], body["patient_id"]) == ("clinician", None)


def test_token_authentication_works(api, clinician):
    code = current_code(authenticator_for(clinician))  # staff tokens need a two-factor code
    response = api.post(
        "/api/v1/auth/token/", {"username": "clin", "password": "correct-horse-battery", "otp_token": code}
    )
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/users/me/").json()["username"] == "clin"


def test_reading_a_patient_is_audited(api_as, clinician, athlete_a):
    api_as(clinician).get(f"/api/v1/patients/{athlete_a[1].pk}/")
    event = AuditEvent.objects.get(action="view")
    assert (event.actor, event.target_type, event.patient_id) == (clinician, "patients.patient", athlete_a[1].pk)


def test_openapi_schema_and_docs_are_served(api_as, clinician, client):
    schema = api_as(clinician).get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/patients/" in schema.content
    client.force_login(clinician)
    assert b"swagger-ui" in client.get("/api/docs/").content


@pytest.mark.parametrize("name", ["Nia\r\nLong", "Nia\rLong", "Nia\nLong", "Nia\tLong", "Nia\x85Long", "Nia\u2028Long"])
def test_a_name_with_a_line_break_or_control_character_is_refused(api_as, front_desk, athlete_a, name):
    client = api_as(front_desk)
    created = client.post(
        "/api/v1/patients/", {"first_name": name, "last_name": "Long", "date_of_birth": "1991-05-02"}, format="json"
    )
    assert created.status_code == 400
    assert created.json()["first_name"] == ["Use one line of plain text: no line breaks, tabs or control characters."]
    changed = client.patch(f"/api/v1/patients/{athlete_a[1].pk}/", {"last_name": name}, format="json")
    assert changed.status_code == 400
    assert not Patient.objects.filter(last_name=name).exists()
    assert (
        client.post(  # the same name on one line is fine, commas and semicolons too
            "/api/v1/patients/",
            {"first_name": "Nia; Jr,", "last_name": "Long", "date_of_birth": "1991-05-02"},
            format="json",
        ).status_code
        == 201
    )
