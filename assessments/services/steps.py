"""The steps of a job spread over workers (issue 15): created, sent, claimed, finished, failed, re-sent.

Each step (a pose chunk of one tracker, the measure, the pictures) is a row (``AnalysisStep``)
with the job's rules at its own scale: a claim is one conditional UPDATE that counts the
attempt, a redelivery of the same message takes over from its dead run, a finish lands only for
the run that holds the step, and past ASSESSMENT_MAX_ATTEMPTS runs the step fails, and with it
the job (the pictures alone, for the render step: the numbers stay).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from assessments.analysis.plan import TRACKERS, PosePlan
from assessments.models import AnalysisStep, Assessment, AssessmentStatus, StepStage, StepStatus, private_storage
from assessments.services import jobs

logger = logging.getLogger(__name__)

PICTURES_FAILED = (
    "The keyframes and the annotated preview could not be drawn for this analysis; the numbers are complete. "
    "Re-analysing the clip draws them again."
)


def steps_create(*, assessment: Assessment, job_id: str, plan: PosePlan) -> list[AnalysisStep]:
    """One pose step per chunk and tracker, and the measure step (sent once the last chunk is posed)."""
    now = timezone.now()
    last = len(plan.chunks) - 1
    rows = [
        AnalysisStep(
            assessment=assessment,
            job_id=job_id,
            stage=StepStage.POSE,
            index=chunk.index,
            tracker=tracker,
            start_frame=chunk.start,
            stop_frame=None if chunk.index == last else chunk.stop,
            warm_start_frame=chunk.warm_start,
            stride=plan.stride,
            samples=plan.samples(chunk, with_warmup=True),
            sent_at=now,
        )
        for chunk in plan.chunks
        for tracker in TRACKERS
    ]
    rows.append(AnalysisStep(assessment=assessment, job_id=job_id, stage=StepStage.MEASURE))
    AnalysisStep.objects.bulk_create(rows, ignore_conflicts=True)  # a redelivered start finds them made
    return list(AnalysisStep.objects.filter(job_id=job_id, stage=StepStage.POSE))


def step_add(*, assessment_id: int, job_id: str, stage: str) -> None:
    """The measure or render step of a job, due now (its message leaves with this call's transaction)."""
    AnalysisStep.objects.get_or_create(
        job_id=job_id, stage=stage, index=0, tracker="", defaults={"assessment_id": assessment_id}
    )
    AnalysisStep.objects.filter(job_id=job_id, stage=stage, status=StepStatus.QUEUED).update(sent_at=timezone.now())


def _owed(stage: str) -> Q:
    if stage == StepStage.RENDER:
        return Q(pictures_pending=True)
    return Q(status=AssessmentStatus.PROCESSING)


def stopped_too_often(step: AnalysisStep) -> str:
    part = f"part {step.index + 1} of the video" if step.stage == StepStage.POSE else "this video"
    return (
        f"The analysis stopped unexpectedly {step.attempts} times on {part} and was not tried again. "
        "Please try re-analysing; if it keeps stopping, upload the clip again or contact support."
    )


def step_claim(
    *, assessment_id: int, job_id: str, stage: str, index: int = 0, tracker: str = "", message_id: str = ""
) -> AnalysisStep | None:
    """queued -> running for this message, counting the attempt; None when the step is not owed
    (done, superseded job, or held by another live message). Past the cap the step fails."""
    if not Assessment.objects.filter(_owed(stage), pk=assessment_id, job_id=job_id).exists():
        return None
    rows = AnalysisStep.objects.filter(
        assessment_id=assessment_id, job_id=job_id, stage=stage, index=index, tracker=tracker
    )
    owed = Q(status=StepStatus.QUEUED)
    if message_id:
        owed |= Q(status=StepStatus.RUNNING, message_id=message_id)
    now = timezone.now()
    claimed = rows.filter(owed, attempts__lt=jobs.attempts_cap()).update(
        status=StepStatus.RUNNING,
        attempts=F("attempts") + 1,
        message_id=message_id,
        started_at=now,
        heartbeat_at=now,
        samples_done=0,
    )
    if claimed:
        return rows.get()
    spent = rows.filter(owed).first()
    if spent is not None:  # still owed, but every attempt has been used
        step_fail(step=spent, reason=stopped_too_often(spent))
    return None


def step_heartbeat(*, step: AnalysisStep, samples_done: int | None = None) -> None:
    """The step is alive (and how far it got); stop if another run or job took it away."""
    fields: dict = {"heartbeat_at": timezone.now()}
    if samples_done is not None:
        fields["samples_done"] = samples_done
    held = AnalysisStep.objects.filter(pk=step.pk, status=StepStatus.RUNNING, message_id=step.message_id)
    if not held.update(**fields):
        raise jobs.JobSuperseded(f"step {step.pk} is no longer held by message {step.message_id!r}")
    if step.stage == StepStage.POSE:
        job_report_chunks(assessment_id=step.assessment_id, job_id=str(step.job_id))


def job_report_chunks(*, assessment_id: int, job_id: str) -> int:
    """The job's progress from the samples its chunks have posed (2-90%; measure takes it to 100).

    Never backwards: a chunk sent again starts from zero while the others keep their share.
    """
    posed = AnalysisStep.objects.filter(job_id=job_id, stage=StepStage.POSE).aggregate(
        done=Sum("samples_done"), total=Sum("samples")
    )
    percent = 2 + int(88 * (posed["done"] or 0) / max(1, posed["total"] or 0))
    running = Assessment.objects.filter(pk=assessment_id, job_id=job_id, status=AssessmentStatus.PROCESSING)
    if not running.update(heartbeat_at=timezone.now(), progress=Greatest(F("progress"), Value(percent))):
        raise jobs.JobSuperseded(f"assessment {assessment_id} no longer owes job {job_id}")
    return percent


def step_finish(*, step: AnalysisStep, file: str = "", wall_s: float | None = None, cpu_s: float | None = None) -> bool:
    """running -> done for the run that holds the step; False if it lost the step (its file is not kept)."""
    return bool(
        AnalysisStep.objects.filter(pk=step.pk, status=StepStatus.RUNNING, message_id=step.message_id).update(
            status=StepStatus.DONE,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            samples_done=F("samples"),
            file=file,
            wall_s=wall_s,
            cpu_s=cpu_s,
        )
    )


def step_find(*, assessment_id: int, job_id: str, stage: str, index: int = 0, tracker: str = "") -> AnalysisStep | None:
    return AnalysisStep.objects.filter(
        assessment_id=assessment_id, job_id=job_id, stage=stage, index=index, tracker=tracker
    ).first()


def step_release(*, step: AnalysisStep) -> None:
    """running -> queued after a transient error, so the retry (same message id) can claim it again."""
    AnalysisStep.objects.filter(pk=step.pk, status=StepStatus.RUNNING, message_id=step.message_id).update(
        status=StepStatus.QUEUED
    )


def step_fail(*, step: AnalysisStep, reason: str) -> None:
    """The step failed for good: the job fails with ``reason`` (the pictures only, for a render step)."""
    AnalysisStep.objects.filter(pk=step.pk).exclude(status=StepStatus.DONE).update(
        status=StepStatus.FAILED, finished_at=timezone.now()
    )
    if step.stage == StepStage.RENDER:
        pictures_fail(assessment_id=step.assessment_id, job_id=str(step.job_id))
        return
    jobs.assessment_fail(assessment_id=step.assessment_id, job_id=str(step.job_id), reason=reason)
    # The job is over: the chunk results already posed will never be merged.
    done = AnalysisStep.objects.filter(job_id=step.job_id, stage=StepStage.POSE).exclude(file="")
    delete_stored(list(done.values_list("file", flat=True)))


def delete_stored(names: list[str]) -> None:
    """Remove files from private storage; one that fails to go is logged and left."""
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)


def pictures_fail(*, assessment_id: int, job_id: str) -> bool:
    """The pictures of a measured job could not be drawn: say so beside the numbers, stop waiting."""
    with transaction.atomic():
        row = Assessment.objects.select_for_update().filter(pk=assessment_id, job_id=job_id, pictures_pending=True)
        assessment = row.first()
        if assessment is None:
            return False
        result = dict(assessment.result or {})
        result["outputs"] = {**(result.get("outputs") or {}), "pictures_error": PICTURES_FAILED}
        row.update(pictures_pending=False, result=result)
    return True


def pose_all_done(*, job_id: str) -> bool:
    pose = AnalysisStep.objects.filter(job_id=job_id, stage=StepStage.POSE)
    return pose.exists() and not pose.exclude(status=StepStatus.DONE).exists()


def pose_any_resent(*, job_id: str) -> bool:
    return AnalysisStep.objects.filter(job_id=job_id, stage=StepStage.POSE, resent=True).exists()


def send_step(step: AnalysisStep) -> None:
    """Send the step's message once the current transaction commits (now, outside one)."""
    from assessments import tasks

    args: list = [step.assessment_id, str(step.job_id)]
    if step.stage == StepStage.POSE:
        task, args = tasks.pose_assessment_chunk, [*args, step.index, step.tracker]
    elif step.stage == StepStage.MEASURE:
        task = tasks.measure_assessment
    else:
        task = tasks.render_assessment
    options = {"soft_time_limit": settings.ASSESSMENT_SOFT_TIME_LIMIT_S, "time_limit": settings.ASSESSMENT_TIME_LIMIT_S}
    transaction.on_commit(lambda: task.apply_async(args=args, **options), robust=True)


def steps_resend_lost(*, stale_after_s: int | None = None, resend_after_s: int | None = None) -> dict[str, list]:
    """Steps whose worker stopped (running, heartbeat older than ``stale_after_s``) or whose message
    was lost (queued and sent longer than ``resend_after_s`` ago), of jobs still owed: sent again,
    or failed past the cap. Returns the assessments concerned."""
    stale_after_s = settings.ASSESSMENT_STALE_AFTER_S if stale_after_s is None else stale_after_s
    resend_after_s = settings.ASSESSMENT_QUEUED_RESEND_AFTER_S if resend_after_s is None else resend_after_s
    now = timezone.now()
    stale = Q(status=StepStatus.RUNNING) & (
        Q(heartbeat_at__lte=now - timedelta(seconds=stale_after_s)) | Q(heartbeat_at__isnull=True)
    )
    lost = Q(status=StepStatus.QUEUED, sent_at__lte=now - timedelta(seconds=resend_after_s))
    owed = Q(stage__in=[StepStage.POSE, StepStage.MEASURE], assessment__status=AssessmentStatus.PROCESSING) | Q(
        stage=StepStage.RENDER, assessment__pictures_pending=True
    )
    candidates = AnalysisStep.objects.filter(stale | lost).filter(owed, job_id=F("assessment__job_id"))
    outcome: dict[str, list] = {"requeued": [], "failed": []}
    for step in candidates:
        if step.status == StepStatus.RUNNING and step.attempts >= jobs.attempts_cap():
            step_fail(step=step, reason=stopped_too_often(step))
            outcome["failed"].append(step.assessment_id)
            continue
        # Moving sent_at on is the re-send's claim: a second sweeper running now skips the step.
        same = AnalysisStep.objects.filter(pk=step.pk, status=step.status, sent_at=step.sent_at)
        # A running step that beat since it was read is alive after all.
        same = same.filter(heartbeat_at=step.heartbeat_at) if step.heartbeat_at else same.filter(heartbeat_at=None)
        taken = same.update(status=StepStatus.QUEUED, sent_at=now, resent=True)
        if taken:
            send_step(step)
            if step.assessment_id not in outcome["requeued"]:
                outcome["requeued"].append(step.assessment_id)
    if outcome["requeued"]:
        logger.warning("re-sent lost analysis steps of assessments %s", outcome["requeued"])
    return outcome
