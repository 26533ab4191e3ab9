"""``analyse()``: one clip in, an ``AnalysisResult`` out: plan -> pose chunks -> merge -> measure.

One clinical path: every frame up to 60 fps, posed by the direct and the mirror tracker
(pose.py), in the chunks of plan.py. The Celery workers run the same stages spread over
processes and machines (assessments.services.stages: one task per chunk and tracker, then
measure, then the pictures); ``analyse`` runs them one after the other in this process, for the
command line and the tests, so both give the same numbers for the same chunk length.

Issue 15 retired the fast path (pose at 20 fps on two chunks in a fork-server pool): it read up
to 6.2 deg per frame away from this path, because MediaPipe's tracker saw a different frame
history, so nothing clinical could use it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import pose as pose_mod
from .chunks import ChunkResult, merge_chunks, pose_chunk
from .events import detect_stances
from .metrics import StanceMetrics, measure_stances, pelvic_obliquity_deg
from .plan import DEFAULT_CHUNK_S, PosePlan, plan_pose
from .quality import assess, check_person_found
from .result import AnalysisResult, Timing, save_landmarks
from .summary import summarize
from .track import PoseTrack, View
from .video import VideoError, VideoInfo, VideoLimits, VideoUnreadableError, probe

ANALYSIS_VERSION = "0.2.0"
VIEWS = ("posterior", "anterior")

Progress = Callable[[float], None]


@dataclass
class Measured:
    """What the pictures are drawn from (render.py reads ``track`` and ``pelvic_obliquity_deg``),
    and, from the measure stage, the result."""

    track: PoseTrack
    pelvic_obliquity_deg: np.ndarray
    stance_metrics: list[StanceMetrics] = field(default_factory=list)
    result: AnalysisResult | None = None


def analyse(
    video_path: str | os.PathLike[str],
    view: str = "posterior",
    *,
    progress: Progress | None = None,
    keyframes_dir: str | os.PathLike[str] | None = None,
    preview_path: str | os.PathLike[str] | None = None,
    landmarks_path: str | os.PathLike[str] | None = None,
    capture_fps: float | None = None,
    limits: VideoLimits | None = None,
    chunk_s: float = DEFAULT_CHUNK_S,
) -> AnalysisResult:
    """Measure hip drop and the frontal-plane metrics of MEASUREMENT.md on one clip.

    Raises a ``VideoError`` subclass (``.code``, ``.message``) when the clip cannot be
    analysed at all; everything else comes back as numbers with quality flags. ``progress``
    receives fractions 0..1. ``capture_fps`` is the declared capture rate of a slow-motion clip
    (time runs at playback / capture); ``limits`` refuses a clip over them from its metadata,
    before decoding. ``chunk_s`` is the chunk length of the plan (plan.py).
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    t_start = time.perf_counter()
    report = _progress_reporter(progress)
    info = probe(video_path, capture_fps=capture_fps, limits=limits)
    report(0.01)
    plan = plan_pose(info, chunk_s=chunk_s)
    total = max(1, sum(plan.samples(c, with_warmup=True) for c in plan.chunks))
    results: list[ChunkResult] = []
    done = [0]  # samples posed by the chunks before this one

    def posed(n: int) -> None:
        report(0.01 + 0.9 * (done[0] + n) / total)

    for chunk in plan.chunks:
        results += pose_chunk(info, chunk, stride=plan.stride, progress=posed)
        done[0] += plan.samples(chunk, with_warmup=True)
    measured = measure(info, view, plan, results)  # type: ignore[arg-type]  # view checked against VIEWS above
    result = measured.result
    assert result is not None
    t_measured = time.perf_counter()
    report(0.92)
    if landmarks_path is not None:
        Path(landmarks_path).parent.mkdir(parents=True, exist_ok=True)
        assert result.track is not None
        save_landmarks(landmarks_path, result.track)
        result.outputs["landmarks"] = os.fspath(landmarks_path)
    result.outputs.update(
        draw_pictures(
            info,
            measured,
            keyframes_dir=keyframes_dir,
            preview_path=preview_path,
            progress=lambda f: report(0.92 + 0.08 * f),
        )
    )
    t_end = time.perf_counter()
    # The realtime factor covers the measurement; drawing the optional outputs is timed apart.
    result.timing.total_s = t_measured - t_start
    result.timing.outputs_s = t_end - t_measured
    report(1.0)
    return result


def measure(info: VideoInfo, view: View, plan: PosePlan, results: list[ChunkResult]) -> Measured:
    """Merge the chunks, fuse the trackers and measure: events, metrics, summary and the quality gate."""
    raw = merge_chunks(plan, results)
    if len(raw.frame_index) < 2:
        raise VideoUnreadableError("Too few frames of the video could be decoded: the file is damaged or incomplete.")
    run = pose_mod.fuse(raw, info=info, view=view, mirror="both")
    track = run.track
    check_person_found(track)
    stances = detect_stances(track)
    stance_metrics = measure_stances(track, stances)
    summary = summarize(track, stance_metrics)
    quality = assess(
        info=info, track=track, disagreement=run.disagreement, stance_sides=[s.side for s in stances], summary=summary
    )
    wall_s = max((r.wall_s for r in results), default=0.0)
    result = AnalysisResult(
        analysis_version=ANALYSIS_VERSION,
        video={**info.to_dict()},
        view=view,
        frame_index=track.frame_index,
        time_s=track.time_s,
        detected=track.detected,
        pelvic_obliquity_deg=np.asarray(pelvic_obliquity_deg(track), dtype=float),
        stances=[m.to_dict() for m in stance_metrics],
        summary=summary.to_dict(),
        quality=quality,
        timing=Timing(
            decode_s=run.decode_s, pose_s=run.pose_s, total_s=wall_s, duration_s=info.duration_s, pose_cpu_s=run.cpu_s
        ),
        pose={**plan.to_dict(), "pose_fps": round(track.sample_fps, 3), "samples": track.n_frames},
        track=track,
    )
    return Measured(
        track=track, pelvic_obliquity_deg=result.pelvic_obliquity_deg, stance_metrics=stance_metrics, result=result
    )


def measured_from_track(track: PoseTrack) -> Measured:
    """What the pictures need from a stored track (the landmarks file): obliquity and stances,
    recomputed exactly as ``measure`` did (same functions, same track)."""
    stance_metrics = measure_stances(track, detect_stances(track))
    obliquity = np.asarray(pelvic_obliquity_deg(track), dtype=float)
    return Measured(track=track, pelvic_obliquity_deg=obliquity, stance_metrics=stance_metrics)


def draw_pictures(
    info: VideoInfo,
    measured: Measured,
    *,
    keyframes_dir: str | os.PathLike[str] | None = None,
    preview_path: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Keyframes and the annotated preview (render.py); the outputs' entries of what was drawn."""
    outputs: dict[str, Any] = {}
    if keyframes_dir is None and preview_path is None:
        return outputs
    from . import render

    if keyframes_dir is not None:
        outputs["keyframes"] = render.write_keyframes(info, measured, measured.stance_metrics, keyframes_dir)
    if progress is not None:
        progress(0.25)
    if preview_path is not None:
        outputs["preview"] = render.write_preview(
            info,
            measured,
            measured.stance_metrics,
            preview_path,
            progress=(lambda f: progress(0.25 + 0.75 * f)) if progress else None,
        )
    return outputs


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


def default_outputs(json_path: str | os.PathLike[str]) -> dict[str, Path]:
    """Conventional names for the files written next to a result JSON."""
    p = Path(json_path)
    return {"landmarks": p.with_suffix(".landmarks.npz"), "preview": p.with_suffix(".preview.webm")}


__all__ = ["ANALYSIS_VERSION", "AnalysisResult", "Measured", "VideoError", "analyse", "measure", "plan_pose"]
