"""The pose stage over one chunk of a clip, and the merge of the chunks into one pair of streams.

``pose_chunk`` runs one or both trackers (direct, mirror: pose.py) over a chunk of the plan
(plan.py) and returns a ``ChunkResult`` per tracker, its warm-up dropped. A Celery worker runs
one tracker of one chunk and saves the result as .npz in the assessment's storage (never
through the broker); the command line runs every chunk in its own process. ``merge_chunks``
puts the pieces back together for the measure stage (pipeline.py ``measure``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from . import pose as pose_mod
from .plan import TRACKERS, Chunk, PosePlan, Tracker
from .track import N_LANDMARKS
from .video import VideoInfo, iter_timed_frames


class IncompleteChunksError(ValueError):
    """The chunk results do not cover the plan exactly once (missing, duplicate or out of range)."""


@dataclass
class ChunkResult:
    """One tracker's poses over one chunk: the kept frames only (warm-up dropped)."""

    index: int
    tracker: Tracker
    frame_index: np.ndarray
    time_s: np.ndarray
    landmarks: np.ndarray  # (n, 33, 3) pixels + visibility; the mirror tracker's already flipped back
    info: VideoInfo
    decode_s: float = 0.0
    pose_s: float = 0.0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    posed: int = 0  # samples posed, warm-up included

    def save(self, path: str | os.PathLike[str]) -> None:
        np.savez_compressed(
            path,
            index=self.index,
            tracker=self.tracker,
            frame_index=self.frame_index,
            time_s=self.time_s,
            landmarks=self.landmarks,
            info=json.dumps(asdict(self.info)),
            timing=np.array([self.decode_s, self.pose_s, self.cpu_s, self.wall_s, self.posed], dtype=float),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ChunkResult:
        with np.load(path) as z:
            decode_s, pose_s, cpu_s, wall_s, posed = (float(v) for v in z["timing"])
            tracker = str(z["tracker"])
            if tracker not in TRACKERS:
                raise IncompleteChunksError(f"unknown tracker {tracker!r} in {path}")
            return cls(
                index=int(z["index"]),
                tracker=tracker,
                frame_index=z["frame_index"],
                time_s=z["time_s"],
                landmarks=z["landmarks"],
                info=VideoInfo(**json.loads(str(z["info"]))),
                decode_s=decode_s,
                pose_s=pose_s,
                cpu_s=cpu_s,
                wall_s=wall_s,
                posed=int(posed),
            )


def pose_chunk(
    info: VideoInfo,
    chunk: Chunk,
    trackers: Sequence[Tracker] = TRACKERS,
    *,
    stride: int,
    progress: Callable[[int], None] | None = None,
) -> list[ChunkResult]:
    """Pose ``chunk`` with ``trackers`` (one decode for all), warm-up first, and keep its frames.

    The decoder seeks to the keyframe before the warm-up (video.py), so a chunk late in the
    clip does not decode the clip from its start. ``progress`` gets the number of samples posed.
    Every ``stride``-th frame is posed (plan.py), counted from the clip's first frame.
    """
    wall0, cpu0 = time.perf_counter(), time.process_time()
    stop = None if chunk.last else chunk.stop
    estimators = pose_mod.warm_estimators(len(trackers))
    frames = iter_timed_frames(info, start=chunk.warm_start, stop=stop, step=stride, seek=True)
    idx: list[int] = []
    times: list[float] = []
    found: list[list[np.ndarray]] = [[] for _ in trackers]
    decode_s = pose_s = 0.0
    while True:
        t0 = time.perf_counter()
        item = next(frames, None)
        if item is None:
            break
        t1 = time.perf_counter()
        decode_s += t1 - t0
        i, t, bgr = item
        height, width = bgr.shape[:2]
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        for k, tracker in enumerate(trackers):
            if tracker == "direct":
                lm = pose_mod.landmarks_px(pose_mod.process_at(estimators[k], rgb, t), width, height)
            else:
                flipped = cv2.flip(rgb, 1)
                seen = pose_mod.landmarks_px(pose_mod.process_at(estimators[k], flipped, t), width, height)
                lm = pose_mod.unmirror(seen, width)
            found[k].append(lm)
        pose_s += time.perf_counter() - t1
        idx.append(i)
        times.append(t)
        if progress is not None:
            progress(len(idx))
    frame_index = np.asarray(idx, dtype=int)
    keep = frame_index >= chunk.start
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    share = 1 / len(trackers)  # one decode served every tracker: each result carries its share
    out = []
    for k, tracker in enumerate(trackers):
        landmarks = np.asarray(found[k], dtype=float).reshape(len(idx), N_LANDMARKS, 3)
        out.append(
            ChunkResult(
                index=chunk.index,
                tracker=tracker,
                frame_index=frame_index[keep],
                time_s=np.asarray(times, dtype=float)[keep],
                landmarks=landmarks[keep],
                info=info,
                decode_s=decode_s * share,
                pose_s=pose_s * share,
                cpu_s=cpu_s * share,
                wall_s=wall_s * share,
                posed=len(idx),
            )
        )
    return out


def merge_chunks(plan: PosePlan, results: Sequence[ChunkResult]) -> pose_mod.RawStreams:
    """Both trackers' poses over the whole clip, in frame order, from one result per chunk and tracker.

    Raises ``IncompleteChunksError`` unless each (chunk, tracker) is there exactly once, each
    chunk's frames lie within its range, and the two trackers posed the same frames.
    """
    by_key: dict[tuple[int, str], ChunkResult] = {}
    for r in results:
        if (r.index, r.tracker) in by_key:
            raise IncompleteChunksError(f"chunk {r.index} ({r.tracker}) given twice")
        by_key[(r.index, r.tracker)] = r
    missing = [(c.index, t) for c in plan.chunks for t in TRACKERS if (c.index, t) not in by_key]
    if missing:
        raise IncompleteChunksError(f"chunks missing: {missing}")
    if len(by_key) != len(plan.chunks) * len(TRACKERS):
        raise IncompleteChunksError("results for chunks that are not in the plan")
    for c in plan.chunks:
        direct, mirror = by_key[(c.index, "direct")], by_key[(c.index, "mirror")]
        if not np.array_equal(direct.frame_index, mirror.frame_index):
            raise IncompleteChunksError(f"chunk {c.index}: the trackers posed different frames")
        inside = (direct.frame_index >= c.start) & ((direct.frame_index < c.stop) | c.last)
        if not inside.all():
            raise IncompleteChunksError(f"chunk {c.index}: frames outside [{c.start}, {c.stop})")
    order = [c.index for c in plan.chunks]
    frame_index = np.concatenate([by_key[(k, "direct")].frame_index for k in order])
    if np.any(np.diff(frame_index) <= 0):
        raise IncompleteChunksError("chunk frames overlap or go backwards")
    every = list(by_key.values())
    return pose_mod.RawStreams(
        frame_index=frame_index,
        direct=np.concatenate([by_key[(k, "direct")].landmarks for k in order]),
        mirrored=np.concatenate([by_key[(k, "mirror")].landmarks for k in order]),
        decode_s=sum(r.decode_s for r in every),
        pose_s=sum(r.pose_s for r in every),
        cpu_s=sum(r.cpu_s for r in every),
        time_s=np.concatenate([by_key[(k, "direct")].time_s for k in order]),
    )
