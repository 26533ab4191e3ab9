"""The pose plan of a clip: which frames are posed, split into chunks that can run anywhere.

A chunk is a frame range ``[start, stop)`` plus a warm-up: its trackers start ``warmup`` frames
earlier, and the poses of the warm-up are dropped. MediaPipe's tracker carries state from frame
to frame (its crop comes from the previous pose, its landmark filter from the previous values),
so a tracker started cold at ``start`` would give other per-frame numbers for its first frames;
after about a second it has settled (bench.py ``restart_floor``: the uninterrupted run against
one started 1 s later differs by p90 0.28 deg once settled). Every chunk after the first
therefore poses at least ``MIN_WARMUP_S`` of the frames before it.

The plan depends on the clip and the chunk length only, never on the workers available, so
the numbers never depend on how many machines ran the chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .pose import pose_stride
from .video import VideoInfo

Tracker = Literal["direct", "mirror"]
TRACKERS: tuple[Tracker, Tracker] = ("direct", "mirror")

MIN_WARMUP_S = 1.0
DEFAULT_CHUNK_S = 4.5  # the 10 s bench clip in two chunks of equal cost (see plan_pose)


@dataclass(frozen=True)
class Chunk:
    """Frames ``start, start+stride, ... < stop`` of the clip are kept; posing starts at ``warm_start``.

    The ``last`` chunk runs to the real end of the stream, which may differ from the frame count
    the container announced (``stop``).
    """

    index: int
    start: int
    stop: int
    warm_start: int
    last: bool = False

    @property
    def warmup_frames(self) -> int:
        return self.start - self.warm_start


@dataclass(frozen=True)
class PosePlan:
    """How one clip is posed: every ``stride``-th frame (at most 60 fps), in ``chunks``."""

    frames: int
    fps: float
    stride: int
    chunk_frames: int
    warmup_frames: int
    chunks: tuple[Chunk, ...]

    @property
    def posed_frames(self) -> int:
        """Samples kept over the whole clip (each frame once, warm-ups not counted)."""
        return len(range(0, self.frames, self.stride))

    def samples(self, chunk: Chunk, *, with_warmup: bool = False) -> int:
        """Samples a chunk poses (kept ones, or all of them with its warm-up)."""
        first = chunk.warm_start if with_warmup else chunk.start
        return len(range(first, chunk.stop, self.stride))

    def to_dict(self) -> dict:
        return {
            "path": "chunked",
            "stride": self.stride,
            "mirror": "both",
            "chunk_frames": self.chunk_frames,
            "warmup_frames": self.warmup_frames,
            "chunks": [[c.start, c.stop] for c in self.chunks],
        }


def plan_pose(info: VideoInfo, *, chunk_s: float = DEFAULT_CHUNK_S, warmup_s: float = MIN_WARMUP_S) -> PosePlan:
    """Split the clip into chunks that keep ``chunk_s`` seconds each (the last one the remainder).

    Every chunk but the first also poses its warm-up, so the first one, which has none to pay,
    keeps that many frames more: each task then poses about the same number of frames (the 10 s
    bench clip at 4.5 s: 0-5.5 s, then 5.5-10 s posed from 4.5 s). Chunk boundaries fall on posed
    frames (multiples of the stride), so the chunks together keep exactly the frames one
    uninterrupted run keeps. A remainder shorter than half a chunk joins the chunk before it
    instead of paying a warm-up of its own. The warm-up is at least ``MIN_WARMUP_S``.
    """
    stride = pose_stride(info.fps)
    frames = max(1, info.frames)
    fps = info.fps if info.fps > 0 else 30.0
    size = max(stride, math.ceil(chunk_s * fps / stride) * stride)
    warm = math.ceil(max(warmup_s, MIN_WARMUP_S) * fps / stride) * stride
    starts = [0, *range(size + warm, frames, size)]
    if len(starts) > 1 and frames - starts[-1] < size / 2:
        starts.pop()
    stops = [*starts[1:], frames]
    chunks = tuple(
        Chunk(index=k, start=start, stop=stop, warm_start=max(0, start - warm), last=k == len(starts) - 1)
        for k, (start, stop) in enumerate(zip(starts, stops, strict=True))
    )
    return PosePlan(frames=frames, fps=fps, stride=stride, chunk_frames=size, warmup_frames=warm, chunks=chunks)
