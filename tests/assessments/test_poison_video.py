"""A video that kills its worker process is failed after ASSESSMENT_MAX_ATTEMPTS deliveries,
instead of being redelivered for ever; the worker goes on with the next job.

A real worker (tests/poison_worker.py: the engine SIGKILLs its own pool process on one clip's
SHA-256) on the configured broker: filesystem by default, Redis in CI. The broker delivers the
message again each time (acks_late + task_reject_on_worker_lost) and each delivery is counted.
"""

from __future__ import annotations

import hashlib

import pytest

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from tests.assessments.bad_uploads import written_clip
from tests.assessments.conftest import upload_of
from tests.worker import celery_worker, wait_until

# serial: a worker killed three times over and its redeliveries, each within a time limit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.serial]


def finished(assessment_id: int) -> Assessment | None:
    row = Assessment.objects.get(pk=assessment_id)
    return row if row.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED, AssessmentStatus.FAILED) else None


def test_a_video_that_kills_its_worker_fails_after_the_attempts_cap(visit_a, clinician, short_cam03, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    poison = short_cam03.read_bytes()
    log = tmp_path / "poison-worker.log"
    env = {"STRIDE_POISON_SHA256": hashlib.sha256(poison).hexdigest(), "ASSESSMENT_MAX_ATTEMPTS": "3"}
    with celery_worker(log_path=log, app="tests.poison_worker", extra_env=env):
        bad = services.assessment_create(
            visit=visit_a, video=upload_of(short_cam03), view="posterior", created_by=clinician
        )
        # A healthy clip queued behind it: the worker must come back for it.
        empty_scene = SimpleUploadedFile("empty-treadmill.mp4", written_clip(fps=30, frames=45), "video/mp4")
        after = services.assessment_create(visit=visit_a, video=empty_scene, view="posterior", created_by=clinician)
        failed = wait_until(lambda: finished(bad.pk), timeout_s=240, what="the poison job to fail")
        next_job = wait_until(lambda: finished(after.pk), timeout_s=120, what="the next job")

    assert failed.status == AssessmentStatus.FAILED
    assert failed.attempts == 3  # three runs started; the fourth delivery was refused
    assert failed.failure_reason.startswith("The analysis stopped unexpectedly 3 times on this video")
    assert failed.result is None and failed.analysed_at is None
    worker_log = log.read_text(errors="replace")
    assert worker_log.count("exited with 'signal 9 (SIGKILL)'") == 3, worker_log[-3000:]
    events = AuditEvent.objects.filter(target_type="assessments.assessment", target_id=str(bad.pk))
    assert events.filter(summary__startswith="analysis failed: The analysis stopped unexpectedly").count() == 1
    # The next clip was analysed normally (no runner in it: failed for that reason, once).
    assert next_job.attempts == 1 and "person" in next_job.failure_reason
