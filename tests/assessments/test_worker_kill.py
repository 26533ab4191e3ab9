"""A worker killed mid-video: the sweeper re-queues the job and it finishes exactly once.

Real worker processes on the configured broker (filesystem by default, Redis in CI) and the
real analysis of the cam03 clip.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from tests.assessments.conftest import CAM03, upload_of
from tests.worker import celery_worker, wait_until

# serial: the kill must land mid-video, and the requeue waits on two worker start-ups in turn.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.serial]


def wait_for(assessment_id: int, condition, timeout_s: float, what: str) -> Assessment:
    def reached() -> Assessment | None:
        row = Assessment.objects.get(pk=assessment_id)
        return row if condition(row) else None

    try:
        return wait_until(reached, timeout_s=timeout_s, what=what, every_s=0.1)  # type: ignore[return-value]  # never None: wait_until raises on timeout
    except AssertionError as exc:
        state = Assessment.objects.values("status", "progress").get(pk=assessment_id)
        raise AssertionError(f"{exc}: {state}") from None


def test_job_of_a_killed_worker_is_requeued_and_finishes_exactly_once(visit_a, clinician, tmp_path):
    with celery_worker(log_path=tmp_path / "first-worker.log") as first:
        assessment = services.assessment_create(
            visit=visit_a, video=upload_of(CAM03), view="posterior", created_by=clinician
        )
        mid = wait_for(
            assessment.pk, lambda a: a.status == AssessmentStatus.PROCESSING and a.progress > 0, 120, "processing"
        )
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child die mid-video
        first.wait(timeout=10)
    stuck = Assessment.objects.get(pk=assessment.pk)
    assert 0 < mid.progress < 100
    assert stuck.status == AssessmentStatus.PROCESSING and stuck.attempts == 1 and stuck.result is None

    with celery_worker(log_path=tmp_path / "second-worker.log"):
        outcome = services.assessment_requeue_stuck(stale_after_s=0)
        assert outcome == {"requeued": [assessment.pk], "failed": []}
        done = wait_for(
            assessment.pk, lambda a: a.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED), 180, "the result"
        )
        time.sleep(1)  # room for a stray duplicate to land, if there were one

    done.refresh_from_db()
    assert done.attempts == 2 and done.progress == 100
    assert done.result["analysis_version"] and done.result["frames"]["index"]
    stored = AuditEvent.objects.filter(
        target_type="assessments.assessment", target_id=str(done.pk), summary__startswith="analysis stored"
    )
    assert stored.count() == 1
    # One run's files on storage: the folder of the job that finished.
    storage = done.video.storage
    runs, _ = storage.listdir(f"assessments/{done.uid}/runs")
    assert runs == [str(done.job_id)]
