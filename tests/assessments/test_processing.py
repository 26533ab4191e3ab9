"""Every status transition of an assessment, through the services and the Celery task (run eagerly)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from assessments.tasks import analyse_assessment, requeue_stuck_assessments
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def results_stored(assessment: Assessment) -> int:
    return AuditEvent.objects.filter(
        target_type="assessments.assessment", target_id=str(assessment.pk), summary__startswith="analysis stored"
    ).count()


def run_task(assessment: Assessment) -> str:
    return analyse_assessment.apply(args=[assessment.pk, str(assessment.job_id)]).get()


def test_task_analyses_the_real_clip_queued_to_finished_with_progress_and_summary(uploaded):
    """queued -> processing -> done/flagged, with the engine's numbers as columns (one real run)."""
    seen: list[tuple[str, int]] = []
    original = services.jobs.assessment_report_progress

    def spy(**kwargs):
        original(**kwargs)
        row = Assessment.objects.get(pk=kwargs["assessment_id"])
        seen.append((row.status, row.progress))

    services.jobs.assessment_report_progress = spy  # watch the real writes go by (where the job calls it)
    try:
        outcome = run_task(uploaded)
    finally:
        services.jobs.assessment_report_progress = original
    uploaded.refresh_from_db()
    assert outcome == uploaded.status
    assert uploaded.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)
    assert uploaded.status == (AssessmentStatus.DONE if uploaded.result["quality"]["ok"] else AssessmentStatus.FLAGGED)
    assert {status for status, _ in seen} == {AssessmentStatus.PROCESSING}
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and progress[-1] >= 90 and len(set(progress)) > 5
    assert uploaded.progress == 100 and uploaded.attempts == 1
    assert uploaded.started_at <= uploaded.finished_at
    summary = uploaded.result["summary"]
    assert uploaded.cpd_left_mean_deg == summary["left"]["cpd_midstance_deg"]["mean"]
    assert uploaded.cpd_right_mean_deg == summary["right"]["cpd_midstance_deg"]["mean"]
    assert uploaded.n_left == summary["left"]["cpd_midstance_deg"]["n"]
    assert uploaded.mean_cpd_deg == summary["mean_cpd_deg"]
    assert uploaded.analysis_version == uploaded.result["analysis_version"]
    assert len(uploaded.result["frames"]["pelvic_obliquity_deg"]) == len(uploaded.result["frames"]["index"]) > 10
    # Output files are on the private storage under the job's folder, not the worker's temp dir.
    assert uploaded.landmarks.name.startswith(f"assessments/{uploaded.uid}/runs/{uploaded.job_id}/")
    assert uploaded.landmarks.storage.exists(uploaded.landmarks.name)
    for keyframe in uploaded.keyframes:
        assert uploaded.video.storage.exists(keyframe["name"])
    assert uploaded.result["outputs"]["landmarks"] == uploaded.landmarks.name
    assert results_stored(uploaded) == 1


def test_redelivered_message_for_a_finished_job_changes_nothing(analysed_a):
    before = Assessment.objects.values().get(pk=analysed_a.pk)
    assert run_task(analysed_a) == "skipped"
    assert Assessment.objects.values().get(pk=analysed_a.pk) == before
    assert results_stored(analysed_a) == 1


def test_message_of_a_superseded_job_is_ignored(uploaded):
    outcome = analyse_assessment.apply(args=[uploaded.pk, str(uuid.uuid4())]).get()
    uploaded.refresh_from_db()
    assert outcome == "skipped"
    assert uploaded.status == AssessmentStatus.QUEUED and uploaded.attempts == 0


def test_second_finish_of_the_same_job_is_discarded_with_its_files(uploaded, cam03_analysis):
    job_id = str(uploaded.job_id)
    claimed = services.assessment_claim(assessment_id=uploaded.pk, job_id=job_id)
    data, outputs = cam03_analysis
    first = services._store_outputs(claimed, job_id, dict(data), outputs)
    assert services.assessment_store_result(assessment_id=uploaded.pk, job_id=job_id, result=dict(data), files=first)
    second = services._store_outputs(claimed, job_id + "-dup", dict(data), outputs)
    outcome = services.assessment_store_result(
        assessment_id=uploaded.pk, job_id=job_id, result=dict(data), files=second
    )
    assert outcome == "discarded"
    assert results_stored(uploaded) == 1


def test_video_missing_from_storage_fails_with_a_plain_reason(uploaded):
    uploaded.video.storage.delete(uploaded.video.name)
    assert run_task(uploaded) == "failed"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert uploaded.failure_reason == "The uploaded video is missing from storage. Please upload it again."
    assert uploaded.finished_at is not None and uploaded.result is None


def test_time_limit_fails_the_job_with_advice(uploaded, monkeypatch):
    def too_slow(**kwargs):
        services.assessment_claim(**kwargs)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "assessment_process", too_slow)
    assert run_task(uploaded) == "failed"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert "took longer than 20 minutes" in uploaded.failure_reason


def test_transient_errors_are_retried_then_fail_once_the_attempts_are_used(uploaded, monkeypatch, settings):
    calls = []

    def flaky(**kwargs):
        assert services.assessment_claim(**kwargs) is not None  # each retry can claim again
        calls.append(1)
        raise services.TransientAnalysisError("storage timed out")

    monkeypatch.setattr(services, "assessment_process", flaky)
    analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)])
    uploaded.refresh_from_db()
    assert len(calls) == settings.ASSESSMENT_MAX_ATTEMPTS == 3  # the first run and two retries
    assert uploaded.attempts == 3
    assert uploaded.status == AssessmentStatus.FAILED
    assert "could not reach the file store" in uploaded.failure_reason


def test_unexpected_error_fails_without_blaming_the_video(uploaded, monkeypatch):
    def broken(**kwargs):
        services.assessment_claim(**kwargs)
        raise ZeroDivisionError

    monkeypatch.setattr(services, "assessment_process", broken)
    assert run_task(uploaded) == "failed"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert uploaded.failure_reason.startswith(
        "The analysis stopped because of an internal error, not because of the video"
    )


def test_reanalysis_keeps_the_old_result_until_the_new_one_succeeds(analysed_a, clinician, finish):
    old_result, old_files = analysed_a.result, analysed_a.landmarks.name
    storage = analysed_a.landmarks.storage
    services.assessment_reanalyse(assessment=analysed_a, requested_by=clinician)
    analysed_a.refresh_from_db()
    assert analysed_a.status == AssessmentStatus.QUEUED and analysed_a.progress == 0
    assert analysed_a.result == old_result and analysed_a.has_result
    # A failed re-run leaves the last good result in place.
    services.assessment_claim(assessment_id=analysed_a.pk, job_id=str(analysed_a.job_id))
    services.assessment_fail(assessment_id=analysed_a.pk, job_id=str(analysed_a.job_id), reason="Engine crashed.")
    analysed_a.refresh_from_db()
    assert analysed_a.status == AssessmentStatus.FAILED and analysed_a.result == old_result
    assert storage.exists(old_files)
    # A successful re-run replaces it and removes the old run's files.
    services.assessment_reanalyse(assessment=analysed_a, requested_by=clinician)
    analysed_a.refresh_from_db()
    assert analysed_a.landmarks.name == old_files
    finish(analysed_a)
    assert analysed_a.landmarks.name != old_files
    assert analysed_a.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)
    assert results_stored(analysed_a) == 2


def test_reanalysis_is_refused_while_the_video_is_being_analysed(uploaded, clinician):
    with pytest.raises(services.ValidationError, match="already being analysed"):
        services.assessment_reanalyse(assessment=uploaded, requested_by=clinician)


def test_sweeper_requeues_a_job_whose_worker_stopped_and_the_old_message_becomes_a_no_op(uploaded):
    old_job = str(uploaded.job_id)
    services.assessment_claim(assessment_id=uploaded.pk, job_id=old_job)
    Assessment.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=30))
    outcome = requeue_stuck_assessments.apply().get()
    uploaded.refresh_from_db()
    assert outcome == {"requeued": [uploaded.pk], "failed": [], "resent": []}
    assert uploaded.status == AssessmentStatus.QUEUED and str(uploaded.job_id) != old_job
    assert analyse_assessment.apply(args=[uploaded.pk, old_job]).get() == "skipped"


def test_sweeper_leaves_jobs_with_a_fresh_heartbeat_alone(uploaded):
    services.assessment_claim(assessment_id=uploaded.pk, job_id=str(uploaded.job_id))
    assert services.assessment_requeue_stuck() == {"requeued": [], "failed": []}
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.PROCESSING


def test_sweeper_fails_a_job_past_the_attempts_cap(uploaded, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 2
    Assessment.objects.filter(pk=uploaded.pk).update(
        status=AssessmentStatus.PROCESSING, attempts=2, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert services.assessment_requeue_stuck() == {"requeued": [], "failed": [uploaded.pk]}
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert "stopped unexpectedly 2 times" in uploaded.failure_reason


def test_a_run_whose_job_was_requeued_stops_at_its_next_progress_write(uploaded):
    old_job = str(uploaded.job_id)
    services.assessment_claim(assessment_id=uploaded.pk, job_id=old_job)
    Assessment.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    services.assessment_requeue_stuck()
    with pytest.raises(services.JobSuperseded):
        services.assessment_report_progress(assessment_id=uploaded.pk, job_id=old_job, percent=40)


def test_progress_is_capped_below_100_until_the_result_lands(uploaded):
    services.assessment_claim(assessment_id=uploaded.pk, job_id=str(uploaded.job_id))
    services.assessment_report_progress(assessment_id=uploaded.pk, job_id=str(uploaded.job_id), percent=100)
    uploaded.refresh_from_db()
    assert uploaded.progress == 99 and uploaded.status == AssessmentStatus.PROCESSING


def test_the_sweeper_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["assessments-requeue-stuck"]
    assert entry["task"] == requeue_stuck_assessments.name


def test_no_worker_temp_files_are_left_behind(uploaded, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    uploaded.video.storage.delete(uploaded.video.name)
    run_task(uploaded)
    assert list(Path(tmp_path).iterdir()) == []
