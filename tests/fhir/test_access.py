"""Who reads what over FHIR: the REST API's token auth and scoping, one 404 for "no such id"
and "not yours", the front desk kept to Patient and Appointment, and every read audited."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from tests.fhir.conftest import FhirClient, ids
from tests.two_factor import sign_in_with_code

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


def _own_paths(records) -> dict[str, tuple[str, str]]:
    """Resource type -> (path of the athlete's own resource, the same path with an id nobody has)."""
    assessment = records.assessment
    return {
        "Patient": (f"Patient/{records.patient.pk}", f"Patient/{UNKNOWN}"),
        "Encounter": (f"Encounter/{records.visit.pk}", f"Encounter/{UNKNOWN}"),
        "Observation": (
            f"Observation/assessment-{assessment.pk}-cpd-left",
            f"Observation/assessment-{UNKNOWN}-cpd-left",
        ),
        "CarePlan": (f"CarePlan/{records.prescription.pk}", f"CarePlan/{UNKNOWN}"),
        "Appointment": (f"Appointment/{records.appointment.pk}", f"Appointment/{UNKNOWN}"),
        "$everything": (f"Patient/{records.patient.pk}/$everything", f"Patient/{UNKNOWN}/$everything"),
    }


def test_athlete_reads_their_own_record(athlete_a, world):
    client = FhirClient(athlete_a[0])
    for name, (own, _) in _own_paths(world.a).items():
        response, _ = client.get(own)
        assert response.status_code == 200, name


def test_athlete_a_cannot_read_b_and_gets_the_same_answer_as_for_an_id_nobody_has(athlete_b, world):
    """Athlete B asks for athlete A's records: each answer equals the one for a made-up id."""
    client = FhirClient(athlete_b[0])
    for name, (theirs, unknown) in _own_paths(world.a).items():
        response, body = client.get(theirs)
        unknown_response, unknown_body = client.get(unknown)
        assert response.status_code == unknown_response.status_code == 404, name
        theirs_id, unknown_id = theirs.split("/")[1], unknown.split("/")[1]
        assert body == {
            **unknown_body,
            "issue": [
                {
                    **unknown_body["issue"][0],
                    "diagnostics": unknown_body["issue"][0]["diagnostics"].replace(unknown_id, theirs_id),
                }
            ],
        }, name
        assert body["issue"][0]["code"] == "not-found"
        assert "Alpha" not in response.content.decode()


def test_athlete_searches_find_their_own_rows_only(athlete_b, world):
    a, b = world.a, world.b
    for records in (a, b):
        records.assessment, records.prescription, records.appointment  # noqa: B018 (build them)
    client = FhirClient(athlete_b[0])
    assert ids(client.get("Patient")[1]) == [str(b.patient.pk)]
    assert ids(client.get("Patient", {"family": "Alpha"})[1]) == []
    assert client.get("Observation", {"patient": str(a.patient.pk)})[1]["total"] == 0
    assert {e["resource"]["subject"]["reference"] for e in client.get("Observation")[1]["entry"]} == {
        f"Patient/{b.patient.pk}"
    }
    assert ids(client.get("Encounter")[1]) == [str(b.visit.pk)]
    assert ids(client.get("CarePlan")[1]) == [str(b.prescription.pk)]
    assert ids(client.get("Appointment")[1]) == [str(b.appointment.pk)]


@pytest.mark.parametrize("path", ["Encounter", "Observation", "CarePlan", "Media", "DocumentReference"])
def test_front_desk_reads_no_clinical_resource(front_desk, world, path):
    response, body = FhirClient(front_desk).get(path)
    assert response.status_code == 403
    assert body["issue"][0]["code"] == "forbidden"
    assert f"cannot read {path}" in body["issue"][0]["diagnostics"]


def test_front_desk_reads_patients_and_appointments(front_desk, world):
    world.a.appointment  # noqa: B018 (build it)
    client = FhirClient(front_desk)
    assert client.get(f"Patient/{world.a.patient.pk}")[0].status_code == 200
    assert ids(client.get("Appointment", {"patient": str(world.a.patient.pk)})[1]) == [str(world.a.appointment.pk)]
    response, _ = client.get(f"Observation/assessment-{world.a.assessment.pk}-cpd-left")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["Media", "DocumentReference"])
def test_athletes_get_no_videos_keyframes_or_report_files(athlete_a, world, path):
    world.a.assessment  # noqa: B018
    response, body = FhirClient(athlete_a[0]).get(path)
    assert response.status_code == 403
    assert body["resourceType"] == "OperationOutcome"


def test_anonymous_gets_401_with_the_token_challenge(athlete_a):
    response, body = FhirClient().get(f"Patient/{athlete_a[1].pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert body["issue"][0]["code"] == "login"


def test_an_expired_token_is_refused(clinician, athlete_a):
    client = FhirClient(clinician)
    Token.objects.filter(user=clinician).update(created=timezone.now() - datetime.timedelta(days=2))
    response, body = client.get(f"Patient/{athlete_a[1].pk}")
    assert response.status_code == 401
    assert "Token expired" in body["issue"][0]["diagnostics"]


def test_staff_session_without_two_factor_is_refused_but_the_capability_statement_is_public(clinician, athlete_a):
    client = Client()
    assert (
        client.post(reverse("login"), {"username": clinician.username, "password": "correct-horse-battery"}).status_code
        == 302
    )
    response = client.get(f"/fhir/r4/Patient/{athlete_a[1].pk}")
    assert response.status_code == 403
    assert response["Content-Type"].split(";")[0] == "application/fhir+json"  # DRF answers, as for every FHIR error
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert "authenticator app" in response.json()["issue"][0]["diagnostics"]
    assert client.get("/fhir/r4/metadata").status_code == 200
    assert not AuditEvent.objects.exists()
    verified = Client()
    sign_in_with_code(verified, clinician)
    assert verified.get(f"/fhir/r4/Patient/{athlete_a[1].pk}").json()["id"] == str(athlete_a[1].pk)


# Audit -----------------------------------------------------------------------------------


def test_every_read_is_audited_with_the_patient(clinician, front_desk, world):
    a = world.a
    FhirClient(clinician).get(f"Observation/assessment-{a.assessment.pk}-cpd-mean")
    FhirClient(front_desk).get(f"Patient/{a.patient.pk}")
    FhirClient(clinician).get(f"Media/assessment-{a.assessment.pk}-keyframe-0")
    rows = list(
        AuditEvent.objects.order_by("id").values(
            "actor_label", "action", "target_type", "target_id", "patient_id", "summary", "path"
        )
    )
    assert rows == [
        {
            "actor_label": clinician.username,
            "action": "view",
            "target_type": "assessments.assessment",
            "target_id": str(a.assessment.pk),
            "patient_id": a.patient.pk,
            "summary": f"FHIR read Observation/assessment-{a.assessment.pk}-cpd-mean",
            "path": f"/fhir/r4/Observation/assessment-{a.assessment.pk}-cpd-mean",
        },
        {
            "actor_label": front_desk.username,
            "action": "view",
            "target_type": "patients.patient",
            "target_id": str(a.patient.pk),
            "patient_id": a.patient.pk,
            "summary": f"FHIR read Patient/{a.patient.pk}",
            "path": f"/fhir/r4/Patient/{a.patient.pk}",
        },
        {
            "actor_label": clinician.username,
            "action": "view",
            "target_type": "assessments.assessment",
            "target_id": str(a.assessment.pk),
            "patient_id": a.patient.pk,
            "summary": f"FHIR read Media/assessment-{a.assessment.pk}-keyframe-0",
            "path": f"/fhir/r4/Media/assessment-{a.assessment.pk}-keyframe-0",
        },
    ]


def test_searches_and_everything_are_audited(clinician, world):
    a = world.a
    a.assessment  # noqa: B018
    client = FhirClient(clinician)
    client.get("Observation", {"patient": str(a.patient.pk), "code": "cadence"})
    client.get(f"Patient/{a.patient.pk}/$everything")
    search, everything = AuditEvent.objects.order_by("id")
    assert (search.action, search.target_type, search.patient_id) == ("list", "assessments.assessment", a.patient.pk)
    assert search.summary.endswith(f"-> assessment-{a.assessment.pk}-cadence")
    assert "code=cadence" in search.summary
    assert (everything.action, everything.target_type, everything.target_id) == (
        "export",
        "patients.patient",
        str(a.patient.pk),
    )
    assert everything.summary.startswith(f"FHIR Patient/{a.patient.pk}/$everything: ")


def test_refused_reads_leave_no_audit_row_and_no_data(athlete_b, world):
    FhirClient(athlete_b[0]).get(f"Patient/{world.a.patient.pk}")
    assert not AuditEvent.objects.filter(patient_id=world.a.patient.pk).exists()
