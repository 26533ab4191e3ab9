"""``analyse()``: one clip in, an ``AnalysisResult`` out (decode -> pose -> events -> metrics -> gate).

Two pose paths give the same kind of result:

- plain (default): one process, every frame up to 60 fps, direct and mirror trackers on each
  frame. This is the clinical number: MEASUREMENT.md asks for >= 60 fps for event timing.
- fast (opt-in): pose at ``FAST_POSE_FPS`` on two overlapping chunks of the clip, one worker
  process each (chunks.py), started from a fork server that has MediaPipe loaded already.
  It misses issue 3's target (within 0.3 deg of plain; see the figures below), so nothing
  clinical uses it until it does.

Why the fast path poses fewer frames: MediaPipe's landmark model costs ~24 ms per call on this
CPU whatever the image size, and mirror averaging (pose.py) doubles the calls, so the plain path
needs ~35 CPU-seconds for a 10 s, 60 fps clip: realtime factor 0.5 would take 8 such cores.
20 fps is the floor: on synthetic runs (synthetic.py) stance detection still finds every stance
at 20 fps and breaks down at 15 fps. Measured on the 10 s bench clip (bench.py): realtime factor
~0.7 warm (plain ~3.1); per-frame obliquity differs from the plain path by 0.95 deg median,
2.7 deg p90, because MediaPipe's tracker sees a different frame history. For scale, the plain
path against itself started 1 s later differs by 0.05 deg median, 0.28 deg p90, 1.0 deg max.

The chunking depends on constants only, never on the processes available, so a worker that
cannot start processes runs the same chunks one after the other and gets the same numbers.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_mod
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import pose as pose_mod
from .chunks import CHUNK_WARMUP_S, chunk_job, chunk_worker, worker_ready
from .events import detect_stances
from .metrics import measure_stances, pelvic_obliquity_deg
from .quality import assess, check_person_found
from .result import AnalysisResult, Timing, save_landmarks
from .summary import summarize
from .track import View
from .video import VideoError, VideoInfo, VideoLimits, VideoUnreadableError, iter_timed_frames, probe

ANALYSIS_VERSION = "0.1.0"
VIEWS = ("posterior", "anterior")

FAST_POSE_FPS = 20.0
FAST_MIRROR = "both"
FAST_WORKERS = 2
CHUNK_S = 2.0  # shortest chunk; clips shorter than two of these are one chunk (no process start-up)

Progress = Callable[[float], None]


def analyse(
    video_path: str | os.PathLike[str],
    view: str = "posterior",
    *,
    fast: bool = False,
    progress: Progress | None = None,
    keyframes_dir: str | os.PathLike[str] | None = None,
    preview_path: str | os.PathLike[str] | None = None,
    landmarks_path: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    pose_fps: float | None = None,
    capture_fps: float | None = None,
    limits: VideoLimits | None = None,
) -> AnalysisResult:
    """Measure hip drop and the frontal-plane metrics of MEASUREMENT.md on one clip.

    Raises a ``VideoError`` subclass (``.code``, ``.message``) when the clip cannot be
    analysed at all; everything else comes back as numbers with quality flags.
    ``workers`` and ``pose_fps`` tune the fast path (defaults: one process per core,
    ``FAST_POSE_FPS``); ``progress`` receives fractions 0..1. ``capture_fps`` is the declared
    capture rate of a slow-motion clip (time runs at playback / capture); ``limits`` refuses a
    clip over them from its metadata, before decoding.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    t_start = time.perf_counter()
    report = _progress_reporter(progress)
    info = probe(video_path, capture_fps=capture_fps, limits=limits)
    report(0.01)

    pose_plan = plan_pose(info, fast=fast, workers=workers, pose_fps=pose_fps)
    run = run_pose(info, view, plan=pose_plan, progress=lambda f: report(0.01 + 0.9 * f))  # type: ignore[arg-type]  # view arrives as a str from callers
    track = run.track
    check_person_found(track)

    stances = detect_stances(track)
    stance_metrics = measure_stances(track, stances)
    summary = summarize(track, stance_metrics)
    obliquity = pelvic_obliquity_deg(track)
    quality = assess(
        info=info, track=track, disagreement=run.disagreement, stance_sides=[s.side for s in stances], summary=summary
    )
    t_measured = time.perf_counter()

    result = AnalysisResult(
        analysis_version=ANALYSIS_VERSION,
        video={**info.to_dict()},
        view=view,
        frame_index=track.frame_index,
        time_s=track.time_s,
        detected=track.detected,
        pelvic_obliquity_deg=np.asarray(obliquity, dtype=float),
        stances=[m.to_dict() for m in stance_metrics],
        summary=summary.to_dict(),
        quality=quality,
        timing=Timing(
            decode_s=run.decode_s, pose_s=run.pose_s, total_s=0.0, duration_s=info.duration_s, pose_cpu_s=run.cpu_s
        ),
        pose={**pose_plan, "pose_fps": round(track.sample_fps, 3), "samples": track.n_frames},
        track=track,
    )
    report(0.92)
    if landmarks_path is not None:
        Path(landmarks_path).parent.mkdir(parents=True, exist_ok=True)
        save_landmarks(landmarks_path, track)
        result.outputs["landmarks"] = os.fspath(landmarks_path)
    if keyframes_dir is not None or preview_path is not None:
        from . import render

        if keyframes_dir is not None:
            result.outputs["keyframes"] = render.write_keyframes(info, result, stance_metrics, keyframes_dir)
        report(0.94)
        if preview_path is not None:
            result.outputs["preview"] = render.write_preview(
                info, result, stance_metrics, preview_path, progress=lambda f: report(0.94 + 0.06 * f)
            )
    t_end = time.perf_counter()
    # The realtime factor covers the measurement; drawing the optional outputs is timed apart.
    result.timing.total_s = t_measured - t_start
    result.timing.outputs_s = t_end - t_measured
    report(1.0)
    return result


def _progress_reporter(progress: Progress | None) -> Progress:
    last = [-1.0]

    def report(fraction: float) -> None:
        if progress is None:
            return
        fraction = min(1.0, max(0.0, fraction))
        if fraction >= 1.0 or fraction - last[0] >= 0.01:
            last[0] = fraction
            progress(fraction)

    return report


def plan_pose(
    info: VideoInfo, *, fast: bool, workers: int | None = None, pose_fps: float | None = None
) -> dict[str, Any]:
    """Pose settings for a clip: frame stride, mirror mode, chunks and processes."""
    stride = pose_mod.pose_stride(info.fps)
    if not fast:
        return {"path": "plain", "stride": stride, "mirror": "both", "chunks": [(0, None)], "workers": 1}
    stride = max(stride, round(info.fps / (pose_fps or FAST_POSE_FPS)))
    # One chunk per core of the reference machine, none shorter than CHUNK_S. The count depends
    # on constants only, never on the processes available, so the numbers never depend on them.
    n_chunks = int(min(FAST_WORKERS, max(1, info.duration_s // CHUNK_S)))
    warm = round(CHUNK_WARMUP_S * info.fps) // stride * stride
    # Later chunks also pose their warm-up: give the first chunk that much more to balance.
    size = max(stride, (info.frames - warm) / n_chunks)
    starts = [0] + [round((warm + k * size) / stride) * stride for k in range(1, n_chunks)]
    chunks = [(s, starts[k + 1] if k + 1 < len(starts) else None) for k, s in enumerate(starts)]
    n_workers = workers if workers is not None else min(FAST_WORKERS, os.cpu_count() or 1)
    return {
        "path": "fast",
        "stride": stride,
        "mirror": FAST_MIRROR,
        "chunks": chunks,
        "workers": max(1, min(n_workers, len(chunks))),
    }


def run_pose(
    info: VideoInfo, view: View, *, plan: dict[str, Any], progress: Progress | None = None
) -> pose_mod.PoseRun:
    """Pose the clip as ``plan`` says and fuse the trackers into one ``PoseRun``."""
    stride, mirror, chunks = plan["stride"], plan["mirror"], plan["chunks"]
    expected = max(1, info.frames // stride)
    if len(chunks) == 1:
        cpu0 = time.process_time()
        raw = pose_mod.run_streams(
            iter_timed_frames(info, step=stride),
            width=info.width,
            height=info.height,
            mirror=mirror,
            stride=stride,
            fps=info.fps,
            progress=(lambda n: progress(n / expected)) if progress else None,
        )
        raw.cpu_s = time.process_time() - cpu0
    else:
        raw = _run_chunks(info, plan, progress=progress, expected=expected)
    if len(raw.frame_index) < 2:
        raise VideoUnreadableError("Too few frames of the video could be decoded: the file is damaged or incomplete.")
    return pose_mod.fuse(raw, info=info, view=view, mirror=mirror)


def _can_fork_workers() -> bool:
    # Celery's prefork children are daemonic, and daemonic processes may not have children.
    return not multiprocessing.current_process().daemon


_FORKSERVER_READY = False


def _context():
    global _FORKSERVER_READY
    ctx = multiprocessing.get_context("forkserver")
    if not _FORKSERVER_READY:
        # The fork server imports MediaPipe once; each worker forks from it, clean of our threads.
        ctx.set_forkserver_preload(["assessments.analysis.worker_preload"])
        _FORKSERVER_READY = True
    return ctx


def prepare_workers() -> bool:
    """Start the fast path's fork server now (MediaPipe loaded), so the first clip does not wait.

    Meant for long-running processes (a Celery worker at start-up); about 1-2 s once. Returns
    False where worker processes cannot be started (the fast path then runs in-process).
    """
    if not _can_fork_workers():
        return False
    try:
        ctx = _context()
        proc = ctx.Process(target=worker_ready, daemon=True)
        proc.start()
        proc.join()
    except (AssertionError, OSError):
        return False
    return True


def _run_chunks(
    info: VideoInfo, plan: dict[str, Any], *, progress: Progress | None, expected: int
) -> pose_mod.RawStreams:
    results: dict[int, tuple] | None = None
    if plan["workers"] > 1 and _can_fork_workers():
        try:
            results = _chunks_in_workers(info, plan, progress=progress, expected=expected)
        except _NoWorkers:
            results = None
    if results is None:
        results = _chunks_in_process(info, plan, progress=progress, expected=expected)
    order = [results[k] for k in range(len(plan["chunks"]))]
    return pose_mod.RawStreams(
        frame_index=np.concatenate([r[0] for r in order]),
        direct=np.concatenate([r[1] for r in order]),
        mirrored=np.concatenate([r[2] for r in order]),
        decode_s=sum(r[3] for r in order),
        pose_s=sum(r[4] for r in order),
        cpu_s=sum(r[5] for r in order),
        time_s=np.concatenate([r[6] for r in order]),
    )


class _NoWorkers(Exception):
    """Worker processes cannot be started here (e.g. inside a daemonic Celery child)."""


def _chunks_in_process(
    info: VideoInfo, plan: dict[str, Any], *, progress: Progress | None, expected: int
) -> dict[int, tuple]:
    results: dict[int, tuple] = {}
    done_before = 0
    for k, (start, stop) in enumerate(plan["chunks"]):

        def rep(n: int, base: int = done_before) -> None:
            if progress:
                progress((base + n) / expected)

        results[k] = chunk_job(info, plan, start, stop, report=rep)
        done_before += len(results[k][0])
    return results


def _chunks_in_workers(
    info: VideoInfo, plan: dict[str, Any], *, progress: Progress | None, expected: int
) -> dict[int, tuple]:
    chunks = plan["chunks"]
    results: dict[int, tuple] = {}
    ctx = _context()
    queue = ctx.Queue()
    pending = list(range(len(chunks)))
    running: dict[int, Any] = {}
    done_per_chunk = dict.fromkeys(range(len(chunks)), 0)
    try:
        while pending or running:
            while pending and len(running) < plan["workers"]:
                k = pending.pop(0)
                proc = ctx.Process(target=chunk_worker, args=(info, plan, k, queue), daemon=True)
                try:
                    proc.start()
                except (AssertionError, OSError) as exc:  # daemonic parent, no fork server...
                    if not running and not results:
                        raise _NoWorkers(str(exc)) from exc
                    raise
                running[k] = proc
            try:
                kind, k, payload = queue.get(timeout=2.0)
            except queue_mod.Empty:
                # A worker that exited cleanly has already sent its result; only a crash counts.
                crashed = [p.exitcode for p in running.values() if p.exitcode not in (None, 0)]
                if crashed:
                    raise VideoUnreadableError(
                        f"The video could not be processed (a pose worker stopped with code {crashed[0]})."
                    ) from None
                continue
            if kind == "progress":
                done_per_chunk[k] = payload
                if progress:
                    progress(sum(done_per_chunk.values()) / expected)
            elif kind == "done":
                results[k] = payload
                running.pop(k).join()
            else:
                raise VideoUnreadableError(f"The video could not be processed: {payload}")
    finally:
        for p in running.values():
            p.terminate()
        queue.close()
    return results


def default_outputs(json_path: str | os.PathLike[str]) -> dict[str, Path]:
    """Conventional names for the files written next to a result JSON."""
    p = Path(json_path)
    return {"landmarks": p.with_suffix(".landmarks.npz"), "preview": p.with_suffix(".preview.webm")}


__all__ = ["ANALYSIS_VERSION", "AnalysisResult", "VideoError", "analyse", "plan_pose", "run_pose"]
