"""One clip's chunks on real worker processes (issue 15): the chord on the configured broker and result
backend (the embedded filesystem broker and file:// results by default, Redis in CI), two workers
sharing one clip, and a worker killed mid-chunk whose chunk the sweeper sends again.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from assessments import services
from assessments.models import AnalysisStep, Assessment, AssessmentStatus, StepStage, StepStatus
from audit.models import AuditEvent
from tests.assessments.conftest import CAM03, upload_of
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

CHUNKED = {"ASSESSMENT_CHUNK_S": "0.2"}  # cam03 (1.7 s) in 3 chunks: 6 pose tasks
FINISHED = (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)


def row(assessment_id: int) -> Assessment:
    return Assessment.objects.get(pk=assessment_id)


def assert_finished_once(done: Assessment) -> None:
    assert done.status in FINISHED and done.progress == 100, (done.status, done.failure_reason)
    stored = AuditEvent.objects.filter(target_id=str(done.pk), summary__startswith="analysis stored")
    assert stored.count() == 1
    runs, _ = done.video.storage.listdir(f"assessments/{done.uid}/runs")
    assert runs == [str(done.job_id)]
    pose = AnalysisStep.objects.filter(job_id=done.job_id, stage=StepStage.POSE)
    assert pose.count() == 6 and set(pose.values_list("status", flat=True)) == {StepStatus.DONE}


def test_two_workers_share_one_clips_chunks_and_the_pictures_follow_the_numbers(visit_a, clinician, tmp_path, settings):
    settings.ASSESSMENT_CHUNK_S = 0.2
    with (
        celery_worker(log_path=tmp_path / "w1.log", extra_env=CHUNKED),
        celery_worker(log_path=tmp_path / "w2.log", extra_env=CHUNKED),
    ):
        assessment = services.assessment_create(
            visit=visit_a, video=upload_of(CAM03), view="posterior", created_by=clinician
        )
        numbers = wait_until(lambda: row(assessment.pk).status in FINISHED, timeout_s=240, what="the numbers")
        assert numbers
        done = wait_until(
            lambda: (lambda r: r if not r.pictures_pending else None)(row(assessment.pk)),
            timeout_s=120,
            what="the pictures",
        )
        time.sleep(1)
    done = row(assessment.pk)
    assert_finished_once(done)
    assert done.keyframes and done.preview and done.attempts == 1
    workers = {
        name
        for name in ("w1", "w2")
        if "pose_assessment_chunk" in (tmp_path / f"{name}.log").read_text(errors="replace")
    }
    assert workers == {"w1", "w2"}  # the clip's chunks ran on both


def test_a_worker_killed_mid_chunk_loses_only_that_chunk_and_the_clip_finishes_once(visit_a, clinician, tmp_path):
    with celery_worker(log_path=tmp_path / "first.log", extra_env=CHUNKED) as first:
        assessment = services.assessment_create(
            visit=visit_a, video=upload_of(CAM03), view="posterior", created_by=clinician
        )
        wait_until(
            lambda: AnalysisStep.objects.filter(
                assessment=assessment, stage=StepStage.POSE, status=StepStatus.RUNNING, samples_done__gt=0
            ).exists(),
            timeout_s=120,
            what="a chunk to be posing",
        )
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child die mid-chunk
        first.wait(timeout=10)
    mid = row(assessment.pk)
    assert mid.status == AssessmentStatus.PROCESSING and 0 < mid.progress < 90

    with celery_worker(log_path=tmp_path / "second.log", extra_env=CHUNKED):
        outcome = services.assessment_requeue_stuck(stale_after_s=0)
        assert outcome == {"requeued": [assessment.pk], "failed": []}
        # The chord's own measure waits on the dead chunk's result for ever; the chunk that completes
        # the set, the re-sent one or another, sends the measure itself.
        wait_until(
            lambda: (lambda r: r.status in FINISHED and not r.pictures_pending)(row(assessment.pk)),
            timeout_s=300,
            what="the result",
            every_s=0.5,
        )
        time.sleep(1)
    done = row(assessment.pk)
    assert_finished_once(done)
    assert done.attempts == 1  # the job was never restarted: only the lost chunk went out again
    resent = AnalysisStep.objects.filter(job_id=done.job_id, stage=StepStage.POSE, resent=True)
    assert list(resent.values_list("attempts", flat=True)) == [2]  # the killed chunk, posed again
