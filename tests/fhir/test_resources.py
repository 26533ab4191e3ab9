"""What each resource says: Patient, Encounter, Media, DocumentReference, CarePlan, Appointment
and Patient/$everything, every body validated as R4 by the FhirClient."""

from __future__ import annotations

import datetime

import pytest

from fhir_api.resources.common import EXERCISE_SYSTEM, PATIENT_ID_SYSTEM
from programs import services as program_services
from scheduling import services as scheduling_services
from tests.fhir.conftest import FhirClient, ids, resource_types

pytestmark = pytest.mark.django_db


def test_patient_carries_demographics_and_the_clinic_identifier(clinician, athlete_a):
    patient = athlete_a[1]
    patient.address, patient.emergency_contact_name, patient.emergency_contact_phone = (
        "1 Track Lane",
        "Bo Alpha",
        "+44 1",
    )
    patient.referring_doctor, patient.sex = "Dr Who", "intersex"
    patient.save()
    response, body = FhirClient(clinician).get(f"Patient/{patient.pk}")
    assert response.status_code == 200
    assert body["identifier"] == [{"use": "usual", "system": PATIENT_ID_SYSTEM, "value": str(patient.pk)}]
    assert body["name"][0] == {"use": "official", "text": "Ada Alpha", "family": "Alpha", "given": ["Ada"]}
    assert body["birthDate"] == patient.date_of_birth.isoformat()
    assert body["gender"] == "other"
    assert {"system": "email", "value": patient.email} in body["telecom"]
    assert body["address"] == [{"text": "1 Track Lane"}]
    assert body["contact"][0]["name"] == {"text": "Bo Alpha"}
    assert body["contact"][0]["relationship"][0]["coding"][0]["code"] == "C"
    assert body["generalPractitioner"] == [{"display": "Dr Who"}]


def test_encounter_is_the_visit(clinician, visit_a):
    _, body = FhirClient(clinician).get(f"Encounter/{visit_a.pk}")
    assert body["status"] == "finished"
    assert body["class"]["code"] == "AMB"
    assert body["subject"] == {"reference": f"Patient/{visit_a.patient_id}"}
    assert body["period"]["start"] == visit_a.visit_date.isoformat()
    assert body["participant"][0]["individual"]["display"] == f"{clinician.first_name} {clinician.last_name}"


def test_keyframes_and_the_video_are_media_linking_to_the_authorised_download_views(clinician, world):
    assessment = world.a.assessment
    _, bundle = FhirClient(clinician).get("Media", {"patient": assessment.patient_id})
    assert ids(bundle) == [f"assessment-{assessment.pk}", f"assessment-{assessment.pk}-keyframe-0"]
    video, keyframe = (e["resource"] for e in bundle["entry"])
    assert video["content"]["url"] == f"http://testserver/assessments/{assessment.pk}/video/"
    assert video["content"]["contentType"] == "video/mp4"
    assert keyframe["content"] == {
        "contentType": "image/png",
        "url": f"http://testserver/assessments/{assessment.pk}/keyframes/0/",
        "title": "Keyframe 0: midstance of a left stance",
    }
    assert keyframe["partOf"] == [{"reference": f"Media/assessment-{assessment.pk}"}]
    for media in (video, keyframe):
        assert "data" not in media["content"]  # links, never inline bytes
        assert media["encounter"] == {"reference": f"Encounter/{assessment.visit_id}"}


def test_the_visit_report_pdf_is_a_document_reference(clinician, world):
    visit = world.a.assessment.visit
    _, body = FhirClient(clinician).get(f"DocumentReference/visit-report-{visit.pk}")
    attachment = body["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["url"] == f"http://testserver/assessments/visits/{visit.pk}/report.pdf"
    assert body["context"]["encounter"] == [{"reference": f"Encounter/{visit.pk}"}]
    assert body["subject"] == {"reference": f"Patient/{visit.patient_id}"}


def test_a_visit_without_an_analysed_assessment_has_no_report(clinician, visit_a):
    response, _ = FhirClient(clinician).get(f"DocumentReference/visit-report-{visit_a.pk}")
    assert response.status_code == 404


def test_the_strength_programme_is_a_care_plan_with_each_exercise_and_its_dosage(clinician, world):
    prescription = world.a.prescription
    _, body = FhirClient(clinician).get(f"CarePlan/{prescription.pk}")
    assert body["status"] == "active"
    assert body["intent"] == "plan"
    assert body["subject"] == {"reference": f"Patient/{prescription.patient_id}"}
    assert body["encounter"] == {"reference": f"Encounter/{prescription.visit_id}"}
    items = list(prescription.items.select_related("exercise").order_by("order"))
    assert len(body["activity"]) == len(items) > 0
    for activity, item in zip(body["activity"], items, strict=True):
        detail = activity["detail"]
        assert detail["code"]["coding"][0] == {
            "system": EXERCISE_SYSTEM,
            "code": item.exercise.slug,
            "display": item.exercise.name,
        }
        assert detail["description"].startswith(item.dosage_text)
        assert detail["scheduledTiming"]["repeat"] == {"frequency": item.days_per_week, "period": 1, "periodUnit": "wk"}
        assert detail["status"] == "in-progress"


def test_a_revised_programme_replaces_the_old_care_plan(clinician, world):
    old = world.a.prescription
    item = old.items.order_by("order").first()
    new = program_services.prescription_revise(
        prescription=old,
        revised_by=clinician,
        reason="Pain settled",
        dosages={item.pk: {"sets": 2}},
    )
    client = FhirClient(clinician)
    _, body = client.get(f"CarePlan/{new.pk}")
    assert body["replaces"] == [{"reference": f"CarePlan/{old.pk}"}]
    assert {"text": "Changed because: Pain settled"} in body["note"]
    _, previous = client.get(f"CarePlan/{old.pk}")
    assert previous["status"] == "revoked"
    assert {a["detail"]["status"] for a in previous["activity"]} == {"stopped"}


def test_appointment_shows_when_who_and_status(front_desk, world):
    appointment = world.a.appointment
    client = FhirClient(front_desk)
    _, body = client.get(f"Appointment/{appointment.pk}")
    assert body["status"] == "booked"
    assert body["start"] == appointment.starts_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["minutesDuration"] == 30
    assert body["participant"][0]["actor"] == {"reference": f"Patient/{appointment.patient_id}"}
    scheduling_services.appointment_cancel(appointment=appointment, cancelled_by=front_desk, reason="Athlete ill")
    _, body = client.get(f"Appointment/{appointment.pk}")
    assert body["status"] == "cancelled"
    assert body["cancelationReason"] == {"text": "Athlete ill"}


def test_everything_gives_a_clinician_the_whole_record_as_one_bundle(clinician, world):
    a = world.a
    a.assessment, a.prescription, a.appointment  # noqa: B018 (build them)
    response, bundle = FhirClient(clinician).get(f"Patient/{a.patient.pk}/$everything")
    assert response.status_code == 200
    assert bundle["type"] == "searchset"
    types = resource_types(bundle)
    assert types[0] == "Patient"
    assert types.count("Observation") == 7
    assert types.count("Media") == 2
    assert {"Encounter", "DocumentReference", "CarePlan", "Appointment"} <= set(types)
    assert bundle["total"] == len(types)
    assert all(e["fullUrl"].startswith("http://testserver/fhir/r4/") for e in bundle["entry"])


def test_everything_gives_the_athlete_their_record_without_media_and_the_front_desk_demographics(
    athlete_a, front_desk, world
):
    a = world.a
    a.assessment, a.prescription, a.appointment  # noqa: B018
    _, mine = FhirClient(athlete_a[0]).get(f"Patient/{a.patient.pk}/$everything")
    assert set(resource_types(mine)) == {"Patient", "Encounter", "Observation", "CarePlan", "Appointment", "Consent"}
    assert resource_types(mine).count("Observation") == 4
    _, desk = FhirClient(front_desk).get(f"Patient/{a.patient.pk}/$everything")
    assert resource_types(desk) == ["Patient", "Appointment", "Consent"]


def test_a_first_programme_has_no_change_note(clinician, world):
    _, body = FhirClient(clinician).get(f"CarePlan/{world.a.prescription.pk}")
    assert "replaces" not in body
    assert not [n for n in body.get("note", []) if n["text"].startswith("Changed because")]
    assert {"text": "Gait cue: Run with your knees apart"} in body["note"]
