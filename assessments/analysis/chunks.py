"""One chunk of the fast path's pose work, run in a worker process (or in-process as a fallback).

Kept apart from pipeline.py so that worker processes load only OpenCV and MediaPipe (the fork
server preloads this module and MediaPipe once, see ``preload_for_workers``), not SciPy and the
gait maths they never use.
"""

from __future__ import annotations

import time
from typing import Any

from . import pose as pose_mod
from .video import VideoInfo, iter_timed_frames

# Trackers start this long before their chunk so that they have settled when samples count.
CHUNK_WARMUP_S = 0.5


def chunk_job(info: VideoInfo, plan: dict[str, Any], start: int, stop: int | None, report=None) -> tuple:
    """Pose frames [start, stop) of the clip, starting the trackers CHUNK_WARMUP_S early."""
    cpu0 = time.process_time()
    stride = plan["stride"]
    warm = max(0, start - round(CHUNK_WARMUP_S * info.fps) // stride * stride)  # same as plan_pose
    raw = pose_mod.run_streams(
        iter_timed_frames(info, start=warm, stop=stop, step=stride),
        width=info.width,
        height=info.height,
        mirror=plan["mirror"],
        stride=stride,
        fps=info.fps,
        progress=report,
    )
    keep = raw.frame_index >= start
    cpu_s = time.process_time() - cpu0
    times = raw.time_s[keep] if raw.time_s is not None else raw.frame_index[keep] / info.fps
    return raw.frame_index[keep], raw.direct[keep], raw.mirrored[keep], raw.decode_s, raw.pose_s, cpu_s, times


def chunk_worker(info: VideoInfo, plan: dict[str, Any], k: int, queue) -> None:
    """Process entry point: run chunk ``k`` and send progress, then the result, on ``queue``."""
    start, stop = plan["chunks"][k]
    try:
        out = chunk_job(
            info, plan, start, stop, report=lambda n: queue.put(("progress", k, n)) if n % 10 == 0 else None
        )
        queue.put(("done", k, out))
    except BaseException as exc:  # report, never hang the parent
        queue.put(("error", k, f"{type(exc).__name__}: {exc}"))


def preload_for_workers() -> None:
    """Run in the fork server before any worker forks: import MediaPipe once for all of them."""
    pose_mod.import_mediapipe()


def worker_ready() -> None:
    """A worker that only proves the fork server is up (``pipeline.prepare_workers``)."""
