"""Erasure by an admin: personal data and media go, an audit tombstone stays, a legal hold refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import Assessment
from audit.models import AuditEvent
from patients.erasure import ERASED_BIRTH_DATE, patient_erase
from patients.models import Patient

pytestmark = pytest.mark.django_db


def test_erasure_removes_personal_data_and_media_and_keeps_a_tombstone(admin_user, analysed_a):
    patient = analysed_a.patient
    storage = analysed_a.video.storage
    files = [analysed_a.video.name, analysed_a.landmarks.name, *[k["name"] for k in analysed_a.keyframes]]
    files += [k["page_name"] for k in analysed_a.keyframes if k.get("page_name")]
    assert all(storage.exists(name) for name in files)
    athlete = patient.user

    patient_erase(patient=patient, erased_by=admin_user, reason="erasure request of 20 Nov, ticket 41")

    patient.refresh_from_db()
    assert (patient.first_name, patient.email, patient.phone) == ("Erased", "", "")
    assert patient.date_of_birth == ERASED_BIRTH_DATE and patient.erased_at and not patient.is_active
    visit = patient.visits.get()
    assert (visit.subjective, visit.objective, visit.plan) == ("", "", "")
    assessment = Assessment.objects.get(pk=analysed_a.pk)
    assert not assessment.video.name and assessment.keyframes == [] and assessment.result is not None
    assert not any(storage.exists(name) for name in files)
    athlete.refresh_from_db()
    assert not athlete.is_active and athlete.email == "" and athlete.username == f"erased-{athlete.pk}"
    tombstone = AuditEvent.objects.get(target_type="patients.patient", target_id=str(patient.pk), action="delete")
    assert tombstone.actor == admin_user and tombstone.patient_id == patient.pk
    assert "ticket 41" in tombstone.summary


def test_erasure_is_refused_under_legal_hold(admin_user, athlete_a):
    patient = athlete_a[1]
    Patient.objects.filter(pk=patient.pk).update(legal_hold=True, legal_hold_reason="insurer's claim")
    with pytest.raises(ValidationError, match="legal hold"):
        patient_erase(patient=patient, erased_by=admin_user, reason="request")
    patient.refresh_from_db()
    assert patient.first_name == "Ada" and patient.erased_at is None
    assert not AuditEvent.objects.filter(target_type="patients.patient", action="delete").exists()


def test_only_an_admin_erases(clinician, athlete_a):
    with pytest.raises(PermissionDenied):
        patient_erase(patient=athlete_a[1], erased_by=clinician, reason="request")


def test_admin_action_asks_why_then_erases(client, admin_user, athlete_a, athlete_b):
    client.force_login(admin_user)
    url = reverse("admin:patients_patient_changelist")
    ids = [str(athlete_a[1].pk), str(athlete_b[1].pk)]
    Patient.objects.filter(pk=athlete_b[1].pk).update(legal_hold=True)
    page = client.post(url, {"action": "erase_personal_data", "_selected_action": ids})
    assert page.status_code == 200 and "under legal hold: will be refused" in page.content.decode()
    done = client.post(
        url,
        {"action": "erase_personal_data", "_selected_action": ids, "confirm": "yes", "reason": "ticket 7"},
        follow=True,
    )
    text = done.content.decode()
    assert f"Patient {athlete_a[1].pk}: personal data and media erased." in text
    assert f"Patient {athlete_b[1].pk} is under legal hold" in text
    assert Patient.objects.get(pk=athlete_a[1].pk).erased_at is not None
    assert Patient.objects.get(pk=athlete_b[1].pk).erased_at is None
