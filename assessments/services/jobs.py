"""Analysis jobs: queueing, claim, progress, result, failure and the sweeper's re-sends.

Each queueing gives the row a new ``job_id``; a run first *claims* the job (one conditional
UPDATE: queued -> processing for that job id) and stores its result with another conditional
UPDATE, so a re-delivered or superseded message cannot produce a second result.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus
from assessments.services.job_files import (
    PLAYBACK_FAILED,
    OutputPaths,
    TransientAnalysisError,
    VideoChanged,
    _check_unchanged,
    _delete_files,
    _local_copy,
    _make_playback,
    _output_paths,
    _store_outputs,
    file_sha256,
)
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)

__all__ = [
    "PLAYBACK_FAILED",
    "OutputPaths",
    "TransientAnalysisError",
    "VideoChanged",
    "_check_unchanged",
    "_delete_files",
    "_local_copy",
    "_make_playback",
    "_output_paths",
    "_store_outputs",
    "file_sha256",
]


class JobSuperseded(Exception):
    """The row now owes another job (re-queued by the sweeper or a re-analysis): stop quietly."""


def queue_analysis(assessment: Assessment) -> None:
    """Owe a new job: new job id, status queued; the message leaves once the row is committed."""
    assessment.job_id = uuid.uuid4()
    assessment.status = AssessmentStatus.QUEUED
    assessment.progress = 0
    assessment.failure_reason = ""
    assessment.queued_at = timezone.now()
    assessment.finished_at = None
    assessment.pictures_pending = False  # an older job's pictures, if still owed, are no longer wanted
    job_id = assessment.job_id
    # robust: with the broker down the row still commits as queued, and the sweeper sends it later
    # (assessment_resend_lost). A new row has its pk by the time this runs.
    transaction.on_commit(lambda: _send(assessment.pk, job_id), robust=True)


def _send(assessment_id: int, job_id: uuid.UUID | str) -> None:
    from assessments.tasks import analyse_assessment

    analyse_assessment.apply_async(
        args=[assessment_id, str(job_id)],
        soft_time_limit=settings.ASSESSMENT_SOFT_TIME_LIMIT_S,
        time_limit=settings.ASSESSMENT_TIME_LIMIT_S,
    )


@transaction.atomic
def assessment_reanalyse(*, assessment: Assessment, requested_by: Any) -> Assessment:
    """Queue the clip again (e.g. a new engine version). The stored result stays until the new one lands."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.is_running:
        raise ValidationError({"status": "This video is already being analysed."})
    assessment.attempts = 0
    queue_analysis(assessment)
    assessment.save()
    audit_record(
        actor=requested_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary="re-analysis requested",
    )
    return assessment


# --- Processing (called by assessments.tasks) ----------------------------------------------


def attempts_cap() -> int:
    return int(settings.ASSESSMENT_MAX_ATTEMPTS)


def stopped_too_often(attempts: int) -> str:
    return (
        f"The analysis stopped unexpectedly {attempts} times on this video and was not tried again. "
        "Please try re-analysing; if it keeps stopping, upload the clip again or contact support."
    )


def assessment_claim(*, assessment_id: int, job_id: str, message_id: str = "") -> Assessment | None:
    """queued -> processing for this job, counting the attempt; None when the job is not owed.

    Every delivery that starts the job counts. A message the broker delivers again because its
    worker died (``task_reject_on_worker_lost``), or a retry, has the ``message_id`` (Celery task
    id) of the run that claimed the job, and takes the job over from that dead run; any other
    message for the job (the sweeper's re-send) finds it taken. Once ASSESSMENT_MAX_ATTEMPTS
    runs have started, the claim is refused and the job fails: a video that kills its worker
    is not tried forever.
    """
    owed = Q(status=AssessmentStatus.QUEUED)
    if message_id:
        owed |= Q(status=AssessmentStatus.PROCESSING, message_id=message_id)
    job = Assessment.objects.filter(owed, pk=assessment_id, job_id=job_id)
    now = timezone.now()
    claimed = job.filter(attempts__lt=attempts_cap()).update(
        status=AssessmentStatus.PROCESSING,
        attempts=F("attempts") + 1,
        message_id=message_id,
        progress=0,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        failure_reason="",
    )
    if claimed:
        return Assessment.objects.select_related("visit").get(pk=assessment_id)
    attempts = job.values_list("attempts", flat=True).first()
    if attempts is not None:  # still owed, but every attempt has been used
        assessment_fail(assessment_id=assessment_id, job_id=job_id, reason=stopped_too_often(attempts))
    return None


def assessment_report_progress(*, assessment_id: int, job_id: str, percent: int) -> None:
    """Write progress (and the heartbeat the sweeper watches); stop if the job was taken away."""
    updated = Assessment.objects.filter(pk=assessment_id, job_id=job_id, status=AssessmentStatus.PROCESSING).update(
        progress=max(0, min(99, percent)), heartbeat_at=timezone.now()
    )
    if not updated:
        raise JobSuperseded(f"assessment {assessment_id} no longer owes job {job_id}")


UNREACHABLE = "The analysis could not reach the file store or database. Please try re-analysing later."


def assessment_release(*, assessment_id: int, job_id: str) -> bool:
    """processing -> queued for the same job after a transient error, so a retry can claim it again.

    False when the job failed instead because its attempts are used up. A job that was not
    claimed (the error came first) has nothing to give back: True, the retry's claim decides.
    """
    running = Assessment.objects.filter(pk=assessment_id, job_id=job_id, status=AssessmentStatus.PROCESSING)
    if running.filter(attempts__lt=attempts_cap()).update(status=AssessmentStatus.QUEUED, progress=0):
        return True
    if not running.exists():
        return True
    assessment_fail(assessment_id=assessment_id, job_id=job_id, reason=UNREACHABLE)
    return False


def assessment_fail(*, assessment_id: int, job_id: str, reason: str) -> bool:
    """-> failed with a reason a clinician can act on. The last good result, if any, stays."""
    failed = Assessment.objects.filter(
        pk=assessment_id, job_id=job_id, status__in=[AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING]
    ).update(status=AssessmentStatus.FAILED, failure_reason=reason, finished_at=timezone.now())
    if failed:
        assessment = Assessment.objects.get(pk=assessment_id)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target=assessment,
            patient_id=assessment.patient_id,
            summary=f"analysis failed: {reason}",
        )
    return bool(failed)


def assessment_process(*, assessment_id: int, job_id: str, message_id: str = "") -> str:
    """Start one owed job: claim it, check the file, plan its chunks and set them going.

    A clip of one chunk is posed and measured in this task; a longer one becomes a Celery chord
    of chunk tasks then the measure task (``services.stages``). Run eagerly (in-process, as the
    tests do), the chord runs here too and the outcome is the job's final status.
    Returns "skipped", "started" or the final status. Raises ``VideoError`` (the clip's fault, or
    a stored file that changed), ``TransientAnalysisError`` or anything else; the task decides.
    """
    from assessments.services import stages

    assessment = assessment_claim(assessment_id=assessment_id, job_id=job_id, message_id=message_id)
    if assessment is None:
        return "skipped"
    return stages.job_start(assessment=assessment, job_id=job_id)


def summary_columns(result: dict[str, Any]) -> dict[str, Any]:
    """The per-side numbers of issue 3's JSON as the model's columns (for fast trends)."""
    summary = result.get("summary") or {}

    def side(name: str, metric: str, stat: str) -> Any:
        return ((summary.get(name) or {}).get(metric) or {}).get(stat)

    return {
        "cpd_left_mean_deg": side("left", "cpd_midstance_deg", "mean"),
        "cpd_left_sd_deg": side("left", "cpd_midstance_deg", "sd"),
        "cpd_right_mean_deg": side("right", "cpd_midstance_deg", "mean"),
        "cpd_right_sd_deg": side("right", "cpd_midstance_deg", "sd"),
        "n_left": side("left", "cpd_midstance_deg", "n") or 0,
        "n_right": side("right", "cpd_midstance_deg", "n") or 0,
        "mean_cpd_deg": summary.get("mean_cpd_deg"),
        "asymmetry_deg": summary.get("asymmetry_deg"),
        "cadence_spm": summary.get("cadence_spm"),
        "hip_adduction_left_deg": side("left", "hip_adduction_peak_deg", "mean"),
        "hip_adduction_right_deg": side("right", "hip_adduction_peak_deg", "mean"),
        "fppa_left_deg": side("left", "fppa_midstance_deg", "mean"),
        "fppa_right_deg": side("right", "fppa_midstance_deg", "mean"),
    }


def assessment_store_result(
    *, assessment_id: int, job_id: str, result: dict[str, Any], files: dict[str, Any], pictures_pending: bool = False
) -> str:
    """processing -> done/flagged with the new result, only if this job is still the one owed.

    ``pictures_pending``: the numbers land first; keyframes, preview and the playable copy follow
    (``stages.render_run``), and the previous run's pictures go now, as its numbers do.

    The conditional UPDATE is the single point where a result lands: of two runs of one job
    (a re-delivery racing the original), the second finds the row finished and discards its files.
    """
    quality_ok = bool((result.get("quality") or {}).get("ok"))
    status = AssessmentStatus.DONE if quality_ok else AssessmentStatus.FLAGGED
    now = timezone.now()
    with transaction.atomic():
        previous = (
            Assessment.objects.filter(pk=assessment_id).values("landmarks", "preview", "playback", "keyframes").first()
        )
        stored = Assessment.objects.filter(pk=assessment_id, job_id=job_id, status=AssessmentStatus.PROCESSING).update(
            status=status,
            progress=100,
            finished_at=now,
            heartbeat_at=now,
            analysed_at=now,
            failure_reason="",
            result=result,
            analysis_version=str(result.get("analysis_version", "")),
            quality_ok=quality_ok,
            landmarks=files.get("landmarks") or "",
            preview=files.get("preview") or "",
            playback=files.get("playback") or "",
            keyframes=files.get("keyframes") or [],
            pictures_pending=pictures_pending,
            **summary_columns(result),
        )
        if not stored:
            transaction.on_commit(lambda: _delete_files(files))
            return "discarded"
        assessment = Assessment.objects.get(pk=assessment_id)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target=assessment,
            patient_id=assessment.patient_id,
            summary=f"analysis stored: {status}, engine {assessment.analysis_version}, job {job_id}",
        )
        if previous and any(previous.values()):
            transaction.on_commit(lambda: _delete_files(previous))
    return str(status)


def assessment_requeue_stuck(*, stale_after_s: int | None = None, max_attempts: int | None = None) -> dict[str, list]:
    """Jobs in processing whose heartbeat stopped (worker died): queue again, or fail past the cap."""
    stale_after_s = settings.ASSESSMENT_STALE_AFTER_S if stale_after_s is None else stale_after_s
    max_attempts = settings.ASSESSMENT_MAX_ATTEMPTS if max_attempts is None else max_attempts
    cutoff = timezone.now() - timedelta(seconds=stale_after_s)
    from assessments.models import AnalysisStep
    from assessments.services import steps

    # A job spread over chunk tasks keeps the chunks it has: only its lost steps go out again.
    resent = steps.steps_resend_lost(stale_after_s=stale_after_s)
    chunked = AnalysisStep.objects.filter(
        assessment__status=AssessmentStatus.PROCESSING, job_id=F("assessment__job_id")
    ).values("assessment_id")
    stuck = (
        Assessment.objects.filter(status=AssessmentStatus.PROCESSING)
        .filter(Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True))
        .exclude(pk__in=chunked)
    )
    outcome: dict[str, list] = {"requeued": list(resent["requeued"]), "failed": list(resent["failed"])}
    for assessment_id, job_id, attempts in stuck.values_list("pk", "job_id", "attempts"):
        if attempts >= max_attempts:
            reason = stopped_too_often(attempts)
            if assessment_fail(assessment_id=assessment_id, job_id=str(job_id), reason=reason):
                outcome["failed"].append(assessment_id)
            continue
        with transaction.atomic():
            assessment = (
                Assessment.objects.select_for_update()
                .filter(pk=assessment_id, job_id=job_id, status=AssessmentStatus.PROCESSING)
                .first()
            )
            if assessment is None:
                continue
            queue_analysis(assessment)
            assessment.save(
                update_fields=[
                    "job_id",
                    "status",
                    "progress",
                    "failure_reason",
                    "queued_at",
                    "finished_at",
                    "pictures_pending",
                ]
            )
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                target=assessment,
                patient_id=assessment.patient_id,
                summary=f"re-queued after the worker stopped (attempt {attempts})",
            )
        outcome["requeued"].append(assessment_id)
    return outcome


def assessment_resend_lost(*, resend_after_s: int | None = None) -> list[int]:
    """Jobs queued for longer than ASSESSMENT_QUEUED_RESEND_AFTER_S: send their message again.

    The database, not the broker, is the record of pending work: a message lost with the broker
    (Redis restarted without persistence) goes out again. It carries the same job id, so if the
    first message was only slow, whichever comes second finds the job claimed and does nothing.
    """
    resend_after_s = settings.ASSESSMENT_QUEUED_RESEND_AFTER_S if resend_after_s is None else resend_after_s
    now = timezone.now()
    waiting = Assessment.objects.filter(status=AssessmentStatus.QUEUED).filter(
        Q(queued_at__lte=now - timedelta(seconds=resend_after_s)) | Q(queued_at__isnull=True)
    )
    resent = []
    for assessment_id, job_id, queued_at in waiting.values_list("pk", "job_id", "queued_at"):
        # Moving queued_at on is the re-send's claim: a second sweeper running now skips the row.
        if Assessment.objects.filter(pk=assessment_id, job_id=job_id, queued_at=queued_at).update(queued_at=now):
            _send(assessment_id, job_id)
            resent.append(assessment_id)
    if resent:
        logger.warning("re-sent the analysis jobs of assessments %s (queued too long: message lost?)", resent)
    return resent
