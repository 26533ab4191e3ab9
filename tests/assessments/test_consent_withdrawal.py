"""Withdrawal of video consent: queued jobs stop ("consent withdrawn"), every video of the patient
is deleted through retention (the page says when and why), audited; uploads are refused after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from patients.consents import WITHDRAWN_FAILURE, consent_in_force
from patients.models import VideoConsent
from tests.assessments.conftest import CAM03, upload_of

pytestmark = pytest.mark.django_db


def test_withdrawal_stops_queued_jobs_and_deletes_the_videos(client, clinician, visit_a, uploaded, analysed_a):
    # ``uploaded`` went on to be analysed (analysed_a); a second upload stays queued.
    from assessments.services import assessment_create

    queued = assessment_create(visit=visit_a, video=upload_of(CAM03), view="anterior", created_by=clinician)
    storage = queued.video.storage
    videos = [queued.video.name, analysed_a.video.name, analysed_a.preview.name]
    keyframes = [k["name"] for k in analysed_a.keyframes]
    assert all(storage.exists(name) for name in videos)

    client.force_login(clinician)
    url = reverse("patients:consent-withdraw", args=[visit_a.patient_id])
    response = client.post(url, {"reason": "athlete asked by phone"}, follow=True)
    assert "Consent withdrawn" in response.content.decode()

    queued.refresh_from_db()
    analysed_a.refresh_from_db()
    assert queued.status == AssessmentStatus.FAILED and queued.failure_reason == WITHDRAWN_FAILURE
    assert analysed_a.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)  # the result stays
    assert analysed_a.result is not None and analysed_a.analysed_at is not None
    assert not any(storage.exists(name) for name in videos)
    assert all(storage.exists(name) for name in keyframes)
    assert queued.video_removed_at and "withdrew their consent" in queued.video_removed_reason
    consent = VideoConsent.objects.get(patient_id=visit_a.patient_id)
    assert consent.withdrawn_by == clinician and consent.withdrawn_at and consent.withdrawal_reason
    assert consent_in_force(visit_a.patient) is None
    assert AuditEvent.objects.filter(target_type="patients.videoconsent", action="update", actor=clinician).exists()
    assert AuditEvent.objects.filter(
        target_type="assessments.assessment", target_id=str(queued.pk), action="delete"
    ).exists()
    page = client.get(analysed_a.get_absolute_url()).content.decode()
    assert "withdrew their consent" in page


def test_a_withdrawn_job_that_finishes_later_stores_nothing(clinician, visit_a, uploaded, finish):
    from patients.consents import consent_withdraw

    consent_withdraw(patient=visit_a.patient, withdrawn_by=clinician)
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    with pytest.raises(AssertionError):  # the worker's claim is refused: the job is no longer owed
        finish(uploaded)
    assert Assessment.objects.get(pk=uploaded.pk).result is None


def test_upload_after_withdrawal_is_refused_on_the_page_with_nothing_stored(client, clinician, visit_a):
    from patients.consents import consent_withdraw

    consent_withdraw(patient=visit_a.patient, withdrawn_by=clinician)
    client.force_login(clinician)
    response = client.post(
        reverse("assessments:upload", args=[visit_a.pk]),
        {"view": "posterior", "video": upload_of(CAM03)},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "not consented to being filmed" in response.json()["error"]
    assert not Assessment.objects.exists()


def test_withdrawing_without_a_consent_says_so(client, clinician, visit_a):
    from patients.consents import consent_withdraw

    consent_withdraw(patient=visit_a.patient, withdrawn_by=clinician)
    client.force_login(clinician)
    response = client.post(reverse("patients:consent-withdraw", args=[visit_a.patient_id]), follow=True)
    assert "no consent in force" in response.content.decode()
