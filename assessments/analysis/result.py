"""The analysis result and its JSON form (issue 3's shape; extra keys are additions, never renames).

Per-frame landmarks are not in the JSON: ``save_landmarks`` writes them to a compressed .npz.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .quality import NOT_MEASURABLE, QualityReport
from .summary import nulled
from .track import PoseTrack


@dataclass
class Timing:
    decode_s: float
    pose_s: float
    total_s: float
    duration_s: float  # of the clip, the denominator of the realtime factor
    outputs_s: float = 0.0  # keyframes, preview, landmarks file: not part of the realtime factor
    pose_cpu_s: float = 0.0  # CPU seconds spent decoding and posing, summed over processes

    @property
    def realtime_factor(self) -> float:
        return self.total_s / self.duration_s if self.duration_s > 0 else float("nan")

    def to_dict(self) -> dict:
        return {
            "decode_s": round(self.decode_s, 3),
            "pose_s": round(self.pose_s, 3),
            "total_s": round(self.total_s, 3),
            "realtime_factor": round(self.realtime_factor, 3),
            "outputs_s": round(self.outputs_s, 3),
            "pose_cpu_s": round(self.pose_cpu_s, 3),
        }


@dataclass
class AnalysisResult:
    """Everything one analysis produced. ``to_dict()`` is the JSON contract of issue 3."""

    analysis_version: str
    video: dict[str, Any]
    view: str
    frame_index: np.ndarray
    time_s: np.ndarray
    detected: np.ndarray
    pelvic_obliquity_deg: np.ndarray
    stances: list[dict[str, Any]]
    summary: dict[str, Any]
    quality: QualityReport
    timing: Timing
    pose: dict[str, Any] = field(default_factory=dict)  # how pose was run (path, rate, mirror)
    outputs: dict[str, Any] = field(default_factory=dict)  # keyframes, preview, landmarks files
    track: PoseTrack | None = field(default=None, repr=False, compare=False)

    def frames_dict(self) -> dict[str, list]:
        return {
            "index": [int(i) for i in self.frame_index],
            "time_s": [round(float(t), 4) for t in self.time_s],
            "detected": [bool(d) for d in self.detected],
            "pelvic_obliquity_deg": [_num(v, 4) for v in self.pelvic_obliquity_deg],
        }

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "analysis_version": self.analysis_version,
                "video": self.video,
                "view": self.view,
                "frames": self.frames_dict(),
                "stances": self.stances,
                # Not measurable: the numbers would describe something other than a runner's
                # pelvis seen from behind, so none leaves the engine; frames and stances stay for audit.
                "summary": nulled(self.summary) if self.quality.status == NOT_MEASURABLE else self.summary,
                "quality": self.quality.to_dict(),
                "timing": self.timing.to_dict(),
                "pose": self.pose,
                "outputs": self.outputs,
            }
        )

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def _num(v: Any, digits: int = 6) -> float | None:
    f = float(v)
    return round(f, digits) if math.isfinite(f) else None


def _clean(obj: Any) -> Any:
    """Make ``obj`` JSON-safe: numpy scalars to Python, NaN/inf to null."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_clean(v) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _num(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def save_landmarks(path: str | os.PathLike[str], track: PoseTrack) -> None:
    """Per-frame landmarks (pixels + visibility) to a compressed .npz next to the JSON."""
    np.savez_compressed(
        path,
        landmarks=track.landmarks.astype(np.float32),
        frame_index=track.frame_index,
        time_s=track.time_s,
        fps=track.fps,
        width=track.width,
        height=track.height,
        view=track.view,
    )


def load_landmarks(path: str | os.PathLike[str]) -> PoseTrack:
    with np.load(path) as z:
        return PoseTrack(
            landmarks=z["landmarks"].astype(float),
            frame_index=z["frame_index"],
            time_s=z["time_s"],
            fps=float(z["fps"]),
            width=int(z["width"]),
            height=int(z["height"]),
            view=str(z["view"]),  # type: ignore[arg-type]  # stored by to_npz from a View
        )
