"""Celery tasks: analyse one assessment, and re-queue the ones whose worker died.

Thin: the job's rules (claim, progress, result, failure) live in ``assessments.services``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from assessments import services
from assessments.analysis.video import VideoError
from assessments.services import resumable, retention

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
        from assessments.analysis import events, metrics, pipeline, pose, render  # noqa: F401

        pose.new_estimator().close()
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
    """Analyse the assessment's video for job ``job_id``. Safe to run twice: see services."""
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
