"""Celery tasks: start an assessment's analysis, its chunk, measure and pictures steps, and
re-queue the work whose worker died.

Thin: the job's rules (claim, progress, result, failure) live in ``assessments.services``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from assessments import services
from assessments.analysis.video import VideoError
from assessments.models import StepStage
from assessments.services import resumable, retention, stages, steps

logger = logging.getLogger(__name__)

# Retries while the database itself cannot be reached (so the attempts cannot even be counted);
# past them the job waits in the database for the sweeper.
MAX_TRANSIENT_RETRIES = 5
GENERIC_FAILURE = (
    "The analysis stopped because of an internal error, not because of the video. "
    "Please try re-analysing; if it happens again, contact support."
)


@worker_process_init.connect
def _warm_up_engine(**kwargs: object) -> None:
    """Load MediaPipe and its pose model when a pool process starts, not inside the first job:
    the first upload after a deploy would otherwise wait seconds longer than the next ones."""
    try:
        from assessments.analysis import chunks, events, metrics, pipeline, pose, render  # noqa: F401

        # Kept for the process's life and reset between chunks: a chunk task pays no model load.
        pose.warm_estimators(2)
        logger.info("analysis engine warm")
    except Exception:  # a warm-up must never stop a worker from starting
        logger.warning("could not warm up the analysis engine", exc_info=True)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Defaults; each message carries the ASSESSMENT_*_TIME_LIMIT_S settings (services.jobs.queue_analysis).
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
    max_retries=MAX_TRANSIENT_RETRIES,
)
def analyse_assessment(self, assessment_id: int, job_id: str) -> str:
    """Start the analysis of the assessment's video for job ``job_id`` (services.stages: a clip
    of one chunk is analysed here, a longer one goes out as a chord). Safe to run twice."""
    try:
        return services.assessment_process(assessment_id=assessment_id, job_id=job_id, message_id=self.request.id)
    except services.JobSuperseded:
        return "superseded"
    except VideoError as exc:
        services.assessment_fail(assessment_id=assessment_id, job_id=job_id, reason=exc.message)
        return "failed"
    except SoftTimeLimitExceeded:
        reason = (
            f"The analysis took longer than {settings.ASSESSMENT_SOFT_TIME_LIMIT_S // 60} minutes and was stopped. "
            "Trim the clip to 10-20 seconds and upload it again."
        )
        services.assessment_fail(assessment_id=assessment_id, job_id=job_id, reason=reason)
        return "failed"
    except (services.TransientAnalysisError, OperationalError, InterfaceError) as exc:
        # The clip is fine; storage or database hiccuped. Give the job back and retry later.
        if not connection.in_atomic_block:  # an eager run inside a caller's transaction keeps it
            close_old_connections()  # a connection the database dropped must go before the next query
        try:
            if not services.assessment_release(assessment_id=assessment_id, job_id=job_id):
                return "failed"  # its attempts are used up
        except DatabaseError:
            # Still unreachable: the retry has this message's id, so it may take the job over.
            logger.warning("database unreachable for assessment %s (job %s); retrying", assessment_id, job_id)
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    except Exception:
        logger.exception("analysis of assessment %s (job %s) failed", assessment_id, job_id)
        services.assessment_fail(assessment_id=assessment_id, job_id=job_id, reason=GENERIC_FAILURE)
        return "failed"


_STEP_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 20 * 60,
    "time_limit": 25 * 60,
    "max_retries": MAX_TRANSIENT_RETRIES,
}


@shared_task(**_STEP_TASK)
def pose_assessment_chunk(self, assessment_id: int, job_id: str, index: int, tracker: str) -> str:
    """Pose chunk ``index`` of the job with one tracker ("direct" or "mirror"); the result goes to storage."""
    key = {
        "assessment_id": assessment_id,
        "job_id": job_id,
        "stage": StepStage.POSE,
        "index": index,
        "tracker": tracker,
    }
    return _run_step(
        self,
        key,
        lambda: stages.pose_run(
            assessment_id=assessment_id, job_id=job_id, index=index, tracker=tracker, message_id=self.request.id
        ),
    )


@shared_task(**_STEP_TASK)
def measure_assessment(self, assessment_id: int, job_id: str) -> str:
    """Merge the job's chunks and store its numbers (the chord's body). Safe to run twice."""
    key = {"assessment_id": assessment_id, "job_id": job_id, "stage": StepStage.MEASURE}
    return _run_step(
        self,
        key,
        lambda: stages.measure_run(assessment_id=assessment_id, job_id=job_id, message_id=self.request.id),
    )


@shared_task(**_STEP_TASK)
def render_assessment(self, assessment_id: int, job_id: str) -> str:
    """Keyframes, annotated preview and playable copy of a measured job. Safe to run twice."""
    key = {"assessment_id": assessment_id, "job_id": job_id, "stage": StepStage.RENDER}
    return _run_step(
        self, key, lambda: stages.render_run(assessment_id=assessment_id, job_id=job_id, message_id=self.request.id)
    )


def _run_step(task: Any, key: dict[str, Any], run: Callable[[], str]) -> str:
    """A step's run with the job's failure rules; always a value, so the chord's body still runs."""
    try:
        return run()
    except services.JobSuperseded:
        return "superseded"
    except VideoError as exc:
        _fail_step(key, exc.message)
        return "failed"
    except SoftTimeLimitExceeded:
        _fail_step(key, f"Part of the analysis took longer than {settings.ASSESSMENT_SOFT_TIME_LIMIT_S // 60} minutes.")
        return "failed"
    except (services.TransientAnalysisError, OperationalError, InterfaceError) as exc:
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            step = steps.step_find(**key)
            if step is not None and step.message_id == task.request.id:
                steps.step_release(step=step)
        except DatabaseError:
            logger.warning("database unreachable for step %s; retrying", key)
        raise task.retry(exc=exc, countdown=10 * 2**task.request.retries) from exc
    except Exception:
        logger.exception("analysis step %s failed", key)
        _fail_step(key, GENERIC_FAILURE)
        return "failed"


def _fail_step(key: dict[str, Any], reason: str) -> None:
    step = steps.step_find(**key)
    if step is not None:
        steps.step_fail(step=step, reason=reason)


@shared_task(acks_late=True)
def requeue_stuck_assessments() -> dict[str, list]:
    """Periodic (CELERY_BEAT_SCHEDULE): jobs stuck in processing are queued again, up to the attempts
    cap; jobs queued too long (their message lost with the broker) are sent again."""
    return {**services.assessment_requeue_stuck(), "resent": services.assessment_resend_lost()}


@shared_task(acks_late=True)
def remove_expired_videos() -> list[int]:
    """Periodic (CELERY_BEAT_SCHEDULE): delete videos older than VIDEO_RETENTION_DAYS (off at 0)."""
    return retention.remove_expired_videos()


@shared_task(acks_late=True)
def remove_expired_resumable_uploads() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): abandoned resumable uploads lose their pieces and rows
    ASSESSMENT_RESUMABLE_EXPIRE_S after their last piece. Idempotent."""
    return resumable.remove_expired_resumable_uploads()
