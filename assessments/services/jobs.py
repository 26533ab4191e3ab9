"""Analysis jobs: queueing, claim, progress, result, failure and the sweeper's re-sends.

Each queueing gives the row a new ``job_id``; a run first *claims* the job (one conditional
UPDATE: queued -> processing for that job id) and stores its result with another conditional
UPDATE, so a re-delivered or superseded message cannot produce a second result.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypedDict, cast

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.analysis.video import VideoError
from assessments.models import Assessment, AssessmentStatus, private_storage
from assessments.services.job_memory import memory_cap
from assessments.services.limits import upload_limits
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)

_COPY_CHUNK = 1024 * 1024


class TransientAnalysisError(Exception):
    """A failure worth retrying (storage or database briefly unavailable), not the clip's fault."""


class JobSuperseded(Exception):
    """The row now owes another job (re-queued by the sweeper or a re-analysis): stop quietly."""


class VideoChanged(VideoError):
    """The stored file's SHA-256 differs from the one taken at upload."""

    code = "video_changed"


def queue_analysis(assessment: Assessment) -> None:
    """Owe a new job: new job id, status queued; the message leaves once the row is committed."""
    assessment.job_id = uuid.uuid4()
    assessment.status = AssessmentStatus.QUEUED
    assessment.progress = 0
    assessment.failure_reason = ""
    assessment.queued_at = timezone.now()
    assessment.finished_at = None
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
    """Run one owed job end to end. Returns what happened: "skipped", or the final status.

    Raises ``VideoError`` (the clip's fault, or a stored file that changed), ``TransientAnalysisError``
    or anything else; the task decides between retry and failure.
    """
    from assessments.analysis.pipeline import analyse

    assessment = assessment_claim(assessment_id=assessment_id, job_id=job_id, message_id=message_id)
    if assessment is None:
        return "skipped"
    last = [-1]

    def progress(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != last[0]:
            last[0] = percent
            assessment_report_progress(assessment_id=assessment_id, job_id=job_id, percent=percent)

    work = Path(tempfile.mkdtemp(prefix=f"stride-analysis-{assessment_id}-"))
    try:
        t0 = time.perf_counter()
        video_path = _local_copy(assessment, work)
        _check_unchanged(assessment, video_path)
        outputs = _output_paths(work)
        t1 = time.perf_counter()
        fast = settings.ASSESSMENT_FAST_PATH
        with memory_cap(settings.ASSESSMENT_JOB_MEMORY_MB):
            result = analyse(
                video_path,
                assessment.view,
                fast=fast,
                progress=progress,
                capture_fps=assessment.capture_fps,
                limits=upload_limits(),
                **outputs,
            )
            data = result.to_dict()
            t2 = time.perf_counter()
            # The heartbeat goes on while the copy is encoded (the sweeper watches it).
            beat = lambda: assessment_report_progress(assessment_id=assessment_id, job_id=job_id, percent=99)  # noqa: E731
            playback_path, playback_error = _make_playback(assessment, video_path, outputs, heartbeat=beat)
        t3 = time.perf_counter()
        stored = _store_outputs(assessment, job_id, data, outputs, playback_path)
        if playback_error:
            data["outputs"]["playback_error"] = playback_error
        outcome = assessment_store_result(assessment_id=assessment_id, job_id=job_id, result=data, files=stored)
        logger.info(
            "assessment %s job %s: %s; fetch %.2f s, analysis %.2f s, playable copy %.2f s, store %.2f s",
            assessment_id,
            job_id,
            outcome,
            t1 - t0,
            t2 - t1,
            t3 - t2,
            time.perf_counter() - t3,
        )
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


PLAYBACK_FAILED = "A playable copy of this video could not be made"


def _make_playback(
    assessment: Assessment, video_path: Path, outputs: OutputPaths, *, heartbeat: Any
) -> tuple[Path | None, str]:
    """Write the browser rendition when Chromium cannot play the original (analysis.rendition).

    Returns (its path, "") or (None, why it failed); (None, "") when the original plays as it is. A failure costs the player, not the result: the numbers are
    stored and the page says in words that the video cannot be shown.
    """
    from assessments.analysis import rendition
    from assessments.analysis.video import probe

    meta = assessment.video_meta or {}
    if rendition.browser_playable(codec=meta.get("codec", ""), container=meta.get("container", "")):
        return None, ""
    target = outputs["landmarks_path"].parent / "playback.mp4"
    try:
        info = probe(video_path, capture_fps=assessment.capture_fps)
        rendition.write_rendition(info, target, heartbeat=heartbeat)
    # The encoder's and decoder's own failures only: a time limit or a superseded job still stops the run.
    except (av.FFmpegError, VideoError, OSError, ValueError, RuntimeError) as exc:
        logger.warning("assessment %s: playable copy failed: %s", assessment.pk, exc)
        target.unlink(missing_ok=True)
        return None, f"{PLAYBACK_FAILED} ({type(exc).__name__})."
    return target, ""


def _local_copy(assessment: Assessment, work: Path) -> Path:
    """A path the decoder can open: the file itself on local disk, a temporary copy otherwise (S3)."""
    storage = assessment.video.storage
    name = cast(str, assessment.video.name)  # a saved assessment always has its video
    try:
        local = Path(storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None and local.is_file():
        return local
    target = work / Path(name).name
    try:
        with storage.open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
    except FileNotFoundError:
        raise VideoError(
            "The uploaded video is missing from storage. Please upload it again.", code="file_missing"
        ) from None
    except OSError as exc:
        raise TransientAnalysisError(f"could not fetch the video: {exc}") from exc
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_unchanged(assessment: Assessment, path: Path) -> None:
    """The file analysed must be the file uploaded: its SHA-256 is compared with the upload's."""
    found = file_sha256(path)
    if found == assessment.video_sha256:
        return
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"stored video failed its integrity check: SHA-256 {found} instead of {assessment.video_sha256}",
    )
    raise VideoChanged(
        "The stored video no longer matches the uploaded file (its SHA-256 fingerprint differs), so it was "
        "not analysed. Please upload the original clip again."
    )


class OutputPaths(TypedDict, total=False):
    """Where the engine writes its files: ``analyse``'s keyword arguments of the same names."""

    landmarks_path: Path
    keyframes_dir: Path
    preview_path: Path


def _output_paths(work: Path) -> OutputPaths:
    out: OutputPaths = {"landmarks_path": work / "landmarks.npz"}
    try:
        import assessments.analysis.render  # noqa: F401  (keyframes and preview need the renderer)
    except ImportError:
        return out
    out["keyframes_dir"] = work / "keyframes"
    out["preview_path"] = work / "preview.webm"
    return out


def _store_outputs(
    assessment: Assessment, job_id: str, data: dict, outputs: OutputPaths, playback: Path | None = None
) -> dict[str, Any]:
    """Copy the run's files to private storage under a per-job folder; return their names."""
    storage = private_storage()
    folder = f"assessments/{assessment.uid}/runs/{job_id}"
    stored: dict[str, Any] = {"landmarks": "", "preview": "", "playback": "", "keyframes": []}
    try:
        if outputs["landmarks_path"].is_file():
            with outputs["landmarks_path"].open("rb") as fh:
                stored["landmarks"] = storage.save(f"{folder}/landmarks.npz", File(fh))
        preview = outputs.get("preview_path")
        if preview is not None and preview.is_file():
            with preview.open("rb") as fh:
                stored["preview"] = storage.save(f"{folder}/preview.webm", File(fh))
        if playback is not None and playback.is_file():
            with playback.open("rb") as fh:
                stored["playback"] = storage.save(f"{folder}/playback.mp4", File(fh))
        for item in (data.get("outputs") or {}).get("keyframes") or []:
            path = Path(item["path"])
            if not path.is_file():
                continue
            with path.open("rb") as fh:
                name = storage.save(f"{folder}/keyframes/{path.name}", File(fh))
            kept = {k: v for k, v in item.items() if k not in ("path", "page_path")} | {"name": name}
            page = Path(item.get("page_path") or "")
            if page.name and page.is_file():
                with page.open("rb") as fh:
                    kept["page_name"] = storage.save(f"{folder}/keyframes/{page.name}", File(fh))
            stored["keyframes"].append(kept)
    except OSError as exc:
        _delete_files(stored)
        raise TransientAnalysisError(f"could not store the results: {exc}") from exc
    # Local paths of the worker mean nothing elsewhere; the stored names replace them.
    data["outputs"] = {
        "landmarks": stored["landmarks"],
        "preview": stored["preview"],
        "playback": stored["playback"],
        "keyframes": stored["keyframes"],
    }
    return stored


def _delete_files(files: Mapping[str, Any]) -> None:
    storage = private_storage()
    keyframes = files.get("keyframes") or []
    names = [
        files.get("landmarks"),
        files.get("preview"),
        files.get("playback"),
        *(k.get("name") for k in keyframes),
        *(k.get("page_name") for k in keyframes),
    ]
    for name in names:
        if name:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name)


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


def assessment_store_result(*, assessment_id: int, job_id: str, result: dict[str, Any], files: dict[str, Any]) -> str:
    """processing -> done/flagged with the new result, only if this job is still the one owed.

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
    stuck = Assessment.objects.filter(status=AssessmentStatus.PROCESSING).filter(
        Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True)
    )
    outcome: dict[str, list] = {"requeued": [], "failed": []}
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
                update_fields=["job_id", "status", "progress", "failure_reason", "queued_at", "finished_at"]
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
