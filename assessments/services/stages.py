"""The stages of an analysis job on the workers (issue 15): start, pose chunks, measure, pictures.

``job_start`` (the claimed job) checks the file, plans the chunks (analysis/plan.py) and sends a
Celery chord: one ``pose_assessment_chunk`` task per chunk and tracker, on any worker of any
machine, each saving its ``ChunkResult`` in the assessment's storage (the messages stay a few
ids), then ``measure_assessment``, which merges them, measures and stores the numbers. The
pictures (keyframes, annotated preview, playable copy) follow as ``render_assessment``: numbers
first. A clip of one chunk is posed and measured in the starting task itself (the chord would
only add message round trips), with the same functions.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.analysis import chunks as chunk_stage
from assessments.analysis import pipeline
from assessments.analysis.plan import Chunk, PosePlan, plan_pose
from assessments.analysis.result import load_landmarks, save_landmarks
from assessments.analysis.video import VideoInfo, probe
from assessments.models import AnalysisStep, Assessment, StepStage, StepStatus, private_storage
from assessments.services import jobs, steps
from assessments.services.job_files import (
    OutputPaths,
    TransientAnalysisError,
    _check_unchanged,
    _delete_files,
    _local_copy,
    _make_playback,
    _output_paths,
    _store_outputs,
)
from assessments.services.job_memory import memory_cap
from assessments.services.limits import upload_limits

logger = logging.getLogger(__name__)


def _work(assessment_id: int) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"stride-analysis-{assessment_id}-"))


def _eager() -> bool:
    """Is the task running in-process (``apply()``, as the tests run it)? Then so do its successors."""
    from celery import current_task

    return bool(current_task and current_task.request.is_eager)


def job_start(*, assessment: Assessment, job_id: str) -> str:
    """The claimed job: check the file, plan, then pose here (one chunk) or send the chord."""
    eager = _eager()
    work = _work(assessment.pk)
    try:
        video_path = _local_copy(assessment, work)
        _check_unchanged(assessment, video_path)
        # The probe decodes the first frames: a frame too large for a job fails here, under the cap.
        with memory_cap(settings.ASSESSMENT_JOB_MEMORY_MB):
            info = probe(video_path, capture_fps=assessment.capture_fps, limits=upload_limits())
        plan = plan_pose(info, chunk_s=settings.ASSESSMENT_CHUNK_S)
        if len(plan.chunks) == 1:
            return _pose_and_measure_here(assessment, job_id, info, plan, work, eager=eager)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pose_steps = steps.steps_create(assessment=assessment, job_id=job_id, plan=plan)
    jobs.assessment_report_progress(assessment_id=assessment.pk, job_id=job_id, percent=2)
    return _send_chord(assessment.pk, job_id, pose_steps, eager=eager)


def _send_chord(assessment_id: int, job_id: str, pose_steps: list[AnalysisStep], *, eager: bool) -> str:
    from celery import chord

    from assessments import tasks

    options = {"soft_time_limit": settings.ASSESSMENT_SOFT_TIME_LIMIT_S, "time_limit": settings.ASSESSMENT_TIME_LIMIT_S}
    header = [
        tasks.pose_assessment_chunk.si(assessment_id, job_id, s.index, s.tracker).set(**options) for s in pose_steps
    ]
    body = tasks.measure_assessment.si(assessment_id, job_id).set(**options)
    if eager:
        return str(chord(header, body).apply().get())
    # Backends without native chords (the file:// one) poll for the header's results once a second;
    # capped, so a chord whose chunk died stops polling (the sweeper re-sends what was lost).
    polls = settings.ASSESSMENT_TIME_LIMIT_S
    transaction.on_commit(lambda: chord(header, body).apply_async(max_retries=polls, interval=1), robust=True)
    return "started"


def _pose_and_measure_here(
    assessment: Assessment, job_id: str, info: VideoInfo, plan: PosePlan, work: Path, *, eager: bool
) -> str:
    total = max(1, plan.samples(plan.chunks[0], with_warmup=True))
    last = [-1]

    def progress(n: int) -> None:
        percent = 2 + int(88 * n / total)
        if percent != last[0]:
            last[0] = percent
            jobs.assessment_report_progress(assessment_id=assessment.pk, job_id=job_id, percent=percent)

    with memory_cap(settings.ASSESSMENT_JOB_MEMORY_MB):
        results = chunk_stage.pose_chunk(info, plan.chunks[0], stride=plan.stride, progress=progress)
        measured = pipeline.measure(info, assessment.view, plan, results)  # type: ignore[arg-type]  # a CameraView value
    return _store_numbers(assessment, job_id, measured, work, eager=eager)


def _store_numbers(assessment: Assessment, job_id: str, measured: pipeline.Measured, work: Path, *, eager: bool) -> str:
    """Store the result and the landmarks now; the pictures follow from their own task."""
    result = measured.result
    assert result is not None and result.track is not None
    if assessment.started_at is not None:
        result.timing.total_s = (timezone.now() - assessment.started_at).total_seconds()
    landmarks_path = work / "landmarks.npz"
    save_landmarks(landmarks_path, result.track)
    data = result.to_dict()
    outputs: OutputPaths = {"landmarks_path": landmarks_path}
    stored = _store_outputs(assessment, job_id, data, outputs)
    drawing = "keyframes_dir" in _output_paths(work)  # the renderer is installed
    outcome = jobs.assessment_store_result(
        assessment_id=assessment.pk, job_id=job_id, result=data, files=stored, pictures_pending=drawing
    )
    logger.info("assessment %s job %s: numbers stored (%s)", assessment.pk, job_id, outcome)
    if outcome != "discarded" and drawing:
        steps.step_add(assessment_id=assessment.pk, job_id=job_id, stage=StepStage.RENDER)
        from assessments import tasks

        if eager:
            tasks.render_assessment.apply(args=[assessment.pk, job_id])
        else:
            steps.send_step(AnalysisStep(assessment_id=assessment.pk, job_id=job_id, stage=StepStage.RENDER))
    return outcome


# --- One pose chunk (task pose_assessment_chunk) ---------------------------------------------


def chunk_of(step: AnalysisStep, frames: int) -> Chunk:
    """The step's chunk; the last one (no stop frame) runs to the end of the stream."""
    return Chunk(
        index=step.index,
        start=step.start_frame,
        stop=frames if step.stop_frame is None else step.stop_frame,
        warm_start=step.warm_start_frame,
        last=step.stop_frame is None,
    )


def pose_run(*, assessment_id: int, job_id: str, index: int, tracker: str, message_id: str = "") -> str:
    """Pose one chunk with one tracker and keep its result in storage. Safe to run twice."""
    step = steps.step_claim(
        assessment_id=assessment_id,
        job_id=job_id,
        stage=StepStage.POSE,
        index=index,
        tracker=tracker,
        message_id=message_id,
    )
    if step is None:
        return "skipped"
    assessment = Assessment.objects.get(pk=assessment_id)
    work = _work(assessment_id)
    try:
        video_path = _local_copy(assessment, work)
        _check_unchanged(assessment, video_path)
        with memory_cap(settings.ASSESSMENT_JOB_MEMORY_MB):
            info = probe(video_path, capture_fps=assessment.capture_fps)
        chunk = chunk_of(step, info.frames)
        beat_every = 10

        def progress(n: int) -> None:
            if n % beat_every == 0:
                steps.step_heartbeat(step=step, samples_done=n)

        with memory_cap(settings.ASSESSMENT_JOB_MEMORY_MB):
            (result,) = chunk_stage.pose_chunk(info, chunk, (tracker,), stride=step.stride, progress=progress)  # type: ignore[arg-type]  # a step's tracker is one of TRACKERS
        local = work / f"chunk-{index:03d}-{tracker}.npz"
        result.save(local)
        name = _save(assessment, f"chunks/{job_id}/{index:03d}-{tracker}.npz", local)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not steps.step_finish(step=step, file=name, wall_s=result.wall_s, cpu_s=result.cpu_s):
        steps.delete_stored([name])
        return "discarded"
    if steps.pose_all_done(job_id=job_id):
        steps.step_add(assessment_id=assessment_id, job_id=job_id, stage=StepStage.MEASURE)
        # The chord sends the measure; a chunk the sweeper sent again is outside it, so it does.
        if steps.pose_any_resent(job_id=job_id):
            steps.send_step(AnalysisStep(assessment_id=assessment_id, job_id=job_id, stage=StepStage.MEASURE))
    return "done"


def _save(assessment: Assessment, relative: str, local: Path) -> str:
    from django.core.files import File

    storage = private_storage()
    name = f"assessments/{assessment.uid}/{relative}"
    try:
        if storage.exists(name):  # a dead run's file: this run's replaces it
            storage.delete(name)
        with local.open("rb") as fh:
            return storage.save(name, File(fh))
    except OSError as exc:
        raise TransientAnalysisError(f"could not store {relative}: {exc}") from exc


# --- Merge and measure (task measure_assessment) ---------------------------------------------


def measure_run(*, assessment_id: int, job_id: str, message_id: str = "") -> str:
    """Merge the chunk results, measure, and store the numbers. "waiting" while chunks are missing."""
    if not steps.pose_all_done(job_id=job_id):
        return "waiting"
    step = steps.step_claim(assessment_id=assessment_id, job_id=job_id, stage=StepStage.MEASURE, message_id=message_id)
    if step is None:
        return "skipped"
    t0 = time.perf_counter()
    assessment = Assessment.objects.get(pk=assessment_id)
    pose_steps = list(AnalysisStep.objects.filter(job_id=job_id, stage=StepStage.POSE, status=StepStatus.DONE))
    work = _work(assessment_id)
    try:
        results = [chunk_stage.ChunkResult.load(_fetch(s.file, work)) for s in pose_steps]
        info = results[0].info
        chunks = sorted({chunk_of(s, info.frames) for s in pose_steps}, key=lambda c: c.index)
        plan = PosePlan(
            frames=info.frames,
            fps=info.fps,
            stride=pose_steps[0].stride,
            chunk_frames=chunks[0].stop - chunks[0].start,
            warmup_frames=max(c.warmup_frames for c in chunks),
            chunks=tuple(chunks),
        )
        measured = pipeline.measure(info, assessment.view, plan, results)  # type: ignore[arg-type]  # a CameraView value
        assert measured.result is not None
        measured.result.pose["merge_measure_s"] = round(time.perf_counter() - t0, 3)
        outcome = _store_numbers(assessment, job_id, measured, work, eager=_eager())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    steps.step_finish(step=step, wall_s=time.perf_counter() - t0)

    # The chunk results were only the way to the numbers (stored by now, in their own transaction).
    steps.delete_stored([s.file for s in pose_steps if s.file])
    return outcome


def _fetch(name: str, work: Path) -> Path:
    target = work / Path(name).name
    try:
        with private_storage().open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    except FileNotFoundError as exc:
        raise chunk_stage.IncompleteChunksError(f"chunk result {name} is missing") from exc
    except OSError as exc:
        raise TransientAnalysisError(f"could not fetch {name}: {exc}") from exc
    return target


# --- Pictures (task render_assessment) --------------------------------------------------------


def render_run(*, assessment_id: int, job_id: str, message_id: str = "") -> str:
    """Keyframes, annotated preview and playable copy of a measured job; they join the numbers."""
    step = steps.step_claim(assessment_id=assessment_id, job_id=job_id, stage=StepStage.RENDER, message_id=message_id)
    if step is None:
        return "skipped"
    assessment = Assessment.objects.get(pk=assessment_id)
    work = _work(assessment_id)
    t0 = time.perf_counter()
    try:
        video_path = _local_copy(assessment, work)
        _check_unchanged(assessment, video_path)
        info = probe(video_path, capture_fps=assessment.capture_fps)
        # The stored (float32) landmarks of the measure stage: stances found again from them.
        track = load_landmarks(_fetch(str(assessment.landmarks.name), work))
        measured = pipeline.measured_from_track(track)
        outputs = _output_paths(work / "pictures")
        outputs["landmarks_path"].parent.mkdir(parents=True, exist_ok=True)

        def beat(*_args: object) -> None:
            steps.step_heartbeat(step=step)

        drawn = pipeline.draw_pictures(
            info,
            measured,
            keyframes_dir=outputs.get("keyframes_dir"),
            preview_path=outputs.get("preview_path"),
            progress=beat,
        )
        playback_path, playback_error = _make_playback(assessment, video_path, outputs, heartbeat=beat)
        data: dict = {"outputs": drawn}
        files = _store_outputs(assessment, job_id, data, outputs, playback_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome = pictures_store(assessment_id=assessment_id, job_id=job_id, files=files, playback_error=playback_error)
    steps.step_finish(step=step, wall_s=time.perf_counter() - t0)
    return outcome


def pictures_store(*, assessment_id: int, job_id: str, files: dict, playback_error: str = "") -> str:
    """Join the pictures to the numbers of the same job; "discarded" (files removed) otherwise."""
    with transaction.atomic():
        row = Assessment.objects.select_for_update().filter(pk=assessment_id, job_id=job_id, pictures_pending=True)
        assessment = row.first()
        if assessment is None:
            transaction.on_commit(lambda: _delete_files(files))
            return "discarded"
        result = dict(assessment.result or {})
        outputs = {**(result.get("outputs") or {}), **{k: files[k] for k in ("preview", "playback", "keyframes")}}
        if playback_error:
            outputs["playback_error"] = playback_error
        result["outputs"] = outputs
        row.update(
            pictures_pending=False,
            result=result,
            preview=files.get("preview") or "",
            playback=files.get("playback") or "",
            keyframes=files.get("keyframes") or [],
        )
    return "pictures"
