"""Video consent: recorded by a clinician with who, when, scope and wording version; shown on the
patient page; never implied; paper consents recorded by command; read as FHIR Consent."""

from __future__ import annotations

import base64
import html
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from patients.consent_wording import CURRENT_VERSION, wording, wording_text
from patients.consents import consent_in_force, may_film
from patients.models import VideoConsent
from tests.factories import PatientFactory
from tests.fhir.conftest import FhirClient

pytestmark = pytest.mark.django_db


def test_clinician_records_consent_with_who_when_scope_and_wording_version(client, clinician):
    patient = PatientFactory(video_consent=False)
    assert not may_film(patient)
    client.force_login(clinician)
    page = client.get(reverse("patients:consent", args=[patient.pk])).content.decode()
    assert html.escape(wording()["film_and_analyse"]) in page and CURRENT_VERSION in page
    response = client.post(
        reverse("patients:consent", args=[patient.pk]), {"film_and_analyse": "on", "how_given": "in_person"}
    )
    assert response.status_code == 302
    consent = consent_in_force(patient)
    assert consent is not None and consent.film_and_analyse and not consent.use_in_reports
    assert consent.recorded_by == clinician and consent.recorded_by_label == clinician.username
    assert consent.wording_version == CURRENT_VERSION and consent.recorded_at is not None
    assert AuditEvent.objects.filter(
        target_type="patients.videoconsent", action="create", patient_id=patient.pk
    ).exists()
    detail = client.get(patient.get_absolute_url()).content.decode()
    assert f"recorded by {clinician.username}" in detail and "not to be used in reports" in detail


def test_consent_form_without_the_filming_box_records_nothing(client, clinician):
    patient = PatientFactory(video_consent=False)
    client.force_login(clinician)
    response = client.post(
        reverse("patients:consent", args=[patient.pk]), {"use_in_reports": "on", "how_given": "in_person"}
    )
    assert response.status_code == 200
    assert "no video can be uploaded" in response.content.decode()
    assert not VideoConsent.objects.filter(patient=patient).exists()


def test_patient_page_says_consent_is_not_given_for_a_new_patient(client, front_desk):
    patient = PatientFactory(video_consent=False)
    client.force_login(front_desk)
    page = client.get(patient.get_absolute_url()).content.decode()
    assert "<dt>Video consent</dt><dd>Not given" in page
    assert reverse("patients:consent", args=[patient.pk]) not in page  # the front desk cannot record it


def test_front_desk_cannot_record_consent(client, front_desk):
    patient = PatientFactory(video_consent=False)
    client.force_login(front_desk)
    response = client.post(reverse("patients:consent", args=[patient.pk]), {"film_and_analyse": "on"})
    assert response.status_code == 403
    assert not VideoConsent.objects.filter(patient=patient).exists()


def test_paper_consents_are_recorded_by_command_and_never_twice(clinician):
    patient = PatientFactory(video_consent=False)
    out = io.StringIO()
    call_command(
        "record_paper_consent",
        str(patient.pk),
        "--recorded-by",
        clinician.username,
        "--signed-on",
        "2026-03-02",
        "--no-reports",
        stdout=out,
    )
    consent = consent_in_force(patient)
    assert consent.how_given == "paper" and consent.recorded_at.date().isoformat() == "2026-03-02"
    assert not consent.use_in_reports and consent.recorded_by == clinician
    call_command("record_paper_consent", str(patient.pk), "--recorded-by", clinician.username, stdout=out)
    assert "already in force" in out.getvalue()
    assert VideoConsent.objects.filter(patient=patient).count() == 1
    with pytest.raises(CommandError, match="No active user"):
        call_command("record_paper_consent", str(patient.pk), "--recorded-by", "nobody")


def test_fhir_consent_reads_and_searches_by_patient_and_shows_a_withdrawal(clinician, athlete_a, athlete_b):
    from patients.consents import consent_withdraw

    user, patient = athlete_a
    consent = consent_in_force(patient)
    response, body = FhirClient(user).get(f"Consent/{consent.pk}")  # validated as R4
    assert response.status_code == 200
    assert body["status"] == "active" and body["patient"] == {"reference": f"Patient/{patient.pk}"}
    assert body["policy"] == [{"uri": f"https://stride.clinic/consent/video/{CURRENT_VERSION}"}]
    assert base64.b64decode(body["sourceAttachment"]["data"]).decode() == wording_text(CURRENT_VERSION)
    codes = [a["coding"][0]["code"] for a in body["provision"]["action"]]
    assert codes == ["film-and-analyse", "use-in-reports"]
    response, _ = FhirClient(athlete_b[0]).get(f"Consent/{consent.pk}")
    assert response.status_code == 404

    consent_withdraw(patient=patient, withdrawn_by=clinician, reason="moved away")
    _, bundle = FhirClient(clinician).get("Consent", {"patient": f"Patient/{patient.pk}"})
    assert bundle["total"] == 1
    withdrawn = bundle["entry"][0]["resource"]
    assert withdrawn["status"] == "inactive" and "end" in withdrawn["provision"]["period"]
    _, others = FhirClient(clinician).get("Consent", {"patient": str(athlete_b[1].pk)})
    assert [e["resource"]["patient"]["reference"] for e in others["entry"]] == [f"Patient/{athlete_b[1].pk}"]
