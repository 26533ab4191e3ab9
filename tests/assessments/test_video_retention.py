"""Video retention: originals and their renditions go after VIDEO_RETENTION_DAYS, the numbers,
keyframes, landmarks and reports stay, the page says when and why, and the sweep is audited,
idempotent and never touches a video a job still needs."""

from __future__ import annotations

import datetime
import html
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from assessments import tasks
from assessments.models import Assessment, AssessmentStatus
from assessments.services import retention
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def age(assessment: Assessment, days: int) -> Assessment:
    """Pretend the video was uploaded ``days`` ago."""
    Assessment.objects.filter(pk=assessment.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    assessment.refresh_from_db()
    return assessment


def removal_events(assessment: Assessment) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type="assessments.assessment", target_id=str(assessment.pk), action="delete")
    )


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def test_sweep_removes_the_video_and_its_rendition_and_keeps_the_results(analysed_a):
    expired = age(analysed_a, 31)
    storage = expired.video.storage
    video, preview, landmarks = expired.video.name, expired.preview.name, expired.landmarks.name
    keyframes = [k["name"] for k in expired.keyframes]
    assert storage.exists(video) and keyframes and landmarks

    assert retention.remove_expired_videos(days=30) == [expired.pk]

    expired.refresh_from_db()
    assert not storage.exists(video)
    assert not preview or not storage.exists(preview)
    assert expired.video.name == "" and expired.preview.name == ""
    assert expired.video_removed_at is not None
    assert expired.video_removed_reason == "under the clinic's retention policy (30 days)"
    # What the clinic keeps: numbers, keyframes, landmarks, the stored result.
    assert all(storage.exists(name) for name in keyframes) and storage.exists(landmarks)
    assert expired.landmarks.name == landmarks and expired.cpd_left_mean_deg == analysed_a.cpd_left_mean_deg
    assert expired.result == analysed_a.result and expired.video_sha256 == analysed_a.video_sha256
    [event] = removal_events(expired)
    assert event.patient_id == expired.patient_id and event.actor is None
    assert "retention policy (30 days)" in event.summary


def test_sweep_twice_removes_once_and_audits_once(analysed_a):
    age(analysed_a, 400)
    assert retention.remove_expired_videos(days=365) == [analysed_a.pk]
    analysed_a.refresh_from_db()
    first = analysed_a.video_removed_at
    assert retention.remove_expired_videos(days=365) == []
    analysed_a.refresh_from_db()
    assert analysed_a.video_removed_at == first
    assert len(removal_events(analysed_a)) == 1


@pytest.mark.parametrize("status", [AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING])
def test_sweep_never_removes_a_video_a_job_still_needs(uploaded, status):
    Assessment.objects.filter(pk=uploaded.pk).update(status=status)
    age(uploaded, 90)
    assert retention.remove_expired_videos(days=30) == []
    uploaded.refresh_from_db()
    assert uploaded.video.storage.exists(uploaded.video.name) and uploaded.video_removed_at is None
    assert removal_events(uploaded) == []
    # Once the job is over, the next sweep removes it.
    Assessment.objects.filter(pk=uploaded.pk).update(status=AssessmentStatus.FAILED)
    assert retention.remove_expired_videos(days=30) == [uploaded.pk]


def test_videos_younger_than_the_period_stay(uploaded):
    Assessment.objects.filter(pk=uploaded.pk).update(status=AssessmentStatus.DONE)
    age(uploaded, 29)
    assert retention.remove_expired_videos(days=30) == []
    assert uploaded.video.storage.exists(uploaded.video.name)


def test_retention_is_off_by_default_and_the_beat_task_follows_the_setting(uploaded, settings):
    Assessment.objects.filter(pk=uploaded.pk).update(status=AssessmentStatus.DONE)
    age(uploaded, 10_000)
    assert settings.VIDEO_RETENTION_DAYS == 0
    assert tasks.remove_expired_videos() == []
    assert uploaded.video.storage.exists(uploaded.video.name)
    settings.VIDEO_RETENTION_DAYS = 30
    assert tasks.remove_expired_videos() == [uploaded.pk]
    assert not uploaded.video.storage.exists(uploaded.video.name)


def test_the_sweep_runs_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["assessments-video-retention"]
    assert entry["task"] == "assessments.tasks.remove_expired_videos"
    assert entry["task"] in tasks.remove_expired_videos.app.tasks


def test_result_page_says_when_and_why_the_video_is_gone(signed_in, analysed_a):
    age(analysed_a, 31)
    retention.remove_expired_videos(days=30)
    analysed_a.refresh_from_db()
    page = html.unescape(signed_in.get(analysed_a.get_absolute_url()).content.decode())
    when = timezone.localtime(analysed_a.video_removed_at)
    assert (
        f"The original video was removed on {when.day} {when:%b %Y} under the clinic's retention policy (30 days)."
        in page
    )
    assert 'id="original-video"' not in page and 'id="preview-video"' not in page
    assert 'id="reanalyse"' not in page
    # The result itself is all there.
    assert page.count('class="keyframe keyframe-') == len(analysed_a.keyframes)
    assert signed_in.get(reverse("assessments:keyframe", args=[analysed_a.pk, 0])).status_code == 200
    assert signed_in.get(reverse("assessments:video", args=[analysed_a.pk])).status_code == 404
    assert signed_in.get(reverse("assessments:visit-report", args=[analysed_a.visit_id])).status_code == 200


def test_reanalysis_of_a_removed_video_is_refused_with_the_reason(signed_in, api_as, clinician, analysed_a):
    age(analysed_a, 31)
    retention.remove_expired_videos(days=30)
    response = signed_in.post(reverse("assessments:reanalyse", args=[analysed_a.pk]), follow=True)
    assert (
        "under the clinic&#x27;s retention policy (30 days). It cannot be analysed again" in response.content.decode()
    )
    api = api_as(clinician).post(f"/api/v1/assessments/{analysed_a.pk}/reanalyse/")
    assert api.status_code == 400
    assert "It cannot be analysed again" in api.json()["video"][0]
    analysed_a.refresh_from_db()
    assert analysed_a.status == AssessmentStatus.DONE or analysed_a.status == AssessmentStatus.FLAGGED


def test_api_says_the_video_is_gone(api_as, clinician, analysed_a):
    age(analysed_a, 31)
    retention.remove_expired_videos(days=30)
    body = api_as(clinician).get(f"/api/v1/assessments/{analysed_a.pk}/").json()
    assert body["video_removed_at"] is not None
    assert body["video_removed_reason"] == "under the clinic's retention policy (30 days)"
    assert body["urls"]["video"] == "" and body["urls"]["preview"] == ""
    assert body["cpd_left_mean_deg"] == analysed_a.cpd_left_mean_deg


def test_command_dry_run_lists_and_keeps_then_removes(uploaded):
    Assessment.objects.filter(pk=uploaded.pk).update(status=AssessmentStatus.DONE)
    age(uploaded, 400)
    out = io.StringIO()
    call_command("remove_expired_videos", "--days", "365", "--dry-run", stdout=out)
    assert f"1 video(s) older than 365 days would be removed: assessments [{uploaded.pk}]" in out.getvalue()
    assert uploaded.video.storage.exists(uploaded.video.name) and removal_events(uploaded) == []
    call_command("remove_expired_videos", "--days", "365", stdout=out)
    assert not uploaded.video.storage.exists(uploaded.video.name) and len(removal_events(uploaded)) == 1
    with pytest.raises(CommandError, match="Retention is off"):
        call_command("remove_expired_videos")
