"""The quality gate: can this clip's numbers be trusted, and if not, why (in words a PT reads).

MEASUREMENT.md, "Quality gate": refuse what cannot be measured (video.py raises for unreadable
files; ``check_person_found`` for clips without a person) and flag the rest. A flagged result
still carries its numbers, with the flags beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from . import pose
from .track import Landmark, PoseTrack
from .video import NoPersonError, VideoInfo

MIN_FPS = 24.0
MIN_STANCES_PER_SIDE = 7  # the mean settles after about 7 steps (Dingenen 2018)
MIN_DETECTION_RATE = 0.8
# Below this share of frames with a person there is nothing to measure: refuse, don't flag.
MIN_DETECTION_TO_MEASURE = 0.1
# Hip width over torso height (mid-shoulder to mid-hip). Seen from behind or in front it is
# ~0.3-0.5; from the side the hips overlap and it falls towards 0.
MIN_HIP_TO_TORSO = 0.15
# Two trackers (direct and mirrored) farther apart than this many torso lengths are following
# different people; so is a mid-hip jump of this size between two pose samples.
COMPETING_DISTANCE = pose.COMPETING_DISTANCE
COMPETING_SHARE = 0.05
MIN_VISIBILITY = 0.5
_LOWER_BODY = (
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
)


@dataclass(frozen=True)
class QualityFlag:
    code: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class QualityReport:
    detection_rate: float
    flags: list[QualityFlag] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)  # the numbers behind the flags

    @property
    def ok(self) -> bool:
        return not self.flags

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "detection_rate": round(self.detection_rate, 4),
            "flags": [f.to_dict() for f in self.flags],
            "measures": {k: (None if not np.isfinite(v) else round(float(v), 4)) for k, v in self.measures.items()},
        }


def check_person_found(track: PoseTrack) -> float:
    """Detection rate; raise ``NoPersonError`` when there is too little of a person to measure."""
    rate = float(track.detected.mean()) if track.n_frames else 0.0
    if rate < MIN_DETECTION_TO_MEASURE:
        raise NoPersonError(
            "No person could be found in the video; film the athlete from behind, with the whole body in the "
            "picture and in good light."
        )
    return rate


def hip_to_torso_ratio(track: PoseTrack) -> float:
    """Median over detected frames of hip width / torso height (sideways-view test)."""
    lm = track.landmarks
    hip_w = np.linalg.norm(lm[:, Landmark.LEFT_HIP, :2] - lm[:, Landmark.RIGHT_HIP, :2], axis=1)
    mid_hip = 0.5 * (lm[:, Landmark.LEFT_HIP, :2] + lm[:, Landmark.RIGHT_HIP, :2])
    mid_sh = 0.5 * (lm[:, Landmark.LEFT_SHOULDER, :2] + lm[:, Landmark.RIGHT_SHOULDER, :2])
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = hip_w / torso
    ratio = ratio[np.isfinite(ratio)]
    return float(np.median(ratio)) if len(ratio) else float("nan")


def competing_share(track: PoseTrack, disagreement: np.ndarray) -> float:
    """Share of pose samples where the track looks like it follows someone else."""
    lm = track.landmarks
    mid_hip = 0.5 * (lm[:, Landmark.LEFT_HIP, :2] + lm[:, Landmark.RIGHT_HIP, :2])
    mid_sh = 0.5 * (lm[:, Landmark.LEFT_SHOULDER, :2] + lm[:, Landmark.RIGHT_SHOULDER, :2])
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    jump = np.full(len(mid_hip), np.nan)
    if len(mid_hip) > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            jump[1:] = np.linalg.norm(np.diff(mid_hip, axis=0), axis=1) / torso[1:]
    with np.errstate(invalid="ignore"):
        bad = (np.nan_to_num(disagreement, nan=0.0) > COMPETING_DISTANCE) | (
            np.nan_to_num(jump, nan=0.0) > COMPETING_DISTANCE
        )
    detected = track.detected
    return float(bad[detected].mean()) if detected.any() else 0.0


def lower_body_visibility(track: PoseTrack) -> float:
    """Median MediaPipe visibility of hips, knees and ankles over detected frames."""
    vis = track.landmarks[:, list(_LOWER_BODY), 2]
    vis = vis[track.detected]
    return float(np.median(vis)) if vis.size else 0.0


def assess(
    *,
    info: VideoInfo,
    track: PoseTrack,
    disagreement: np.ndarray,
    stance_sides: Sequence[str],
    stride: int = 1,
) -> QualityReport:
    """Run every flag of the gate on a measured clip (refusals happen before this)."""
    rate = float(track.detected.mean()) if track.n_frames else 0.0
    report = QualityReport(detection_rate=rate)
    flags = report.flags
    m = report.measures

    m["fps"] = info.fps
    if info.fps < MIN_FPS:
        flags.append(
            QualityFlag(
                "low_fps",
                f"The video was filmed at {info.fps:.0f} frames per second; at least 24 (ideally 60) is needed to time "
                "foot contacts, so the step timing and the midstance frames are uncertain.",
            )
        )
    decoded_to = int(track.frame_index[-1]) + stride if track.n_frames else 0
    m["decoded_share"] = decoded_to / info.frames if info.frames else 0.0
    if decoded_to < 0.9 * info.frames:
        flags.append(
            QualityFlag(
                "truncated",
                f"The video stops early: only {decoded_to / info.fps:.1f} s of the announced "
                f"{info.duration_s:.1f} s could be read. The file may be incomplete; the numbers cover what was read.",
            )
        )
    m["detection_rate"] = rate
    if rate < MIN_DETECTION_RATE:
        flags.append(
            QualityFlag(
                "person_partly_missing",
                f"The athlete was found in only {rate:.0%} of the frames. Keep the whole body (head to feet) in the "
                "picture for the whole clip.",
            )
        )
    ratio = hip_to_torso_ratio(track)
    m["hip_to_torso_ratio"] = ratio
    if not np.isfinite(ratio) or ratio < MIN_HIP_TO_TORSO:
        flags.append(
            QualityFlag(
                "sideways_view",
                "The athlete seems to be filmed from the side. Hip drop can only be measured from directly behind "
                "(or in front of) the runner.",
            )
        )
    share = competing_share(track, disagreement)
    m["competing_share"] = share
    if share > COMPETING_SHARE:
        flags.append(
            QualityFlag(
                "multiple_people",
                "More than one person seems to be in the picture, and the tracking may have switched between them. "
                "Film with only the athlete in view.",
            )
        )
    vis = lower_body_visibility(track)
    m["lower_body_visibility"] = vis
    if vis < MIN_VISIBILITY:
        flags.append(
            QualityFlag(
                "low_visibility",
                "The hips, knees or ankles are hard to see (clothing, shadows, or out of the picture). Use fitted "
                "clothing, good light, and keep the feet in view.",
            )
        )
    n_left = sum(1 for s in stance_sides if s == "left")
    n_right = sum(1 for s in stance_sides if s == "right")
    m["stances_left"] = float(n_left)
    m["stances_right"] = float(n_right)
    if min(n_left, n_right) < MIN_STANCES_PER_SIDE:
        flags.append(
            QualityFlag(
                "too_short",
                f"Only {n_left} left and {n_right} right steps could be measured; at least {MIN_STANCES_PER_SIDE} per "
                "side are needed for a stable average. Record at least 10 seconds of steady running.",
            )
        )
    return report
