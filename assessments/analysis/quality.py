"""The quality gate: can this clip's numbers be trusted, and if not, why (in words a PT reads).

MEASUREMENT.md, "Quality gate": refuse what cannot be measured (video.py raises for unreadable
files; ``check_person_found`` for clips without a person) and flag the rest. Every flag puts the
result in one of three states (``status_of``), decided here and nowhere else:

- ``measurable``: no flag; the numbers stand.
- ``low_confidence``: the numbers exist but may be off (too few stances, low detection or
  visibility, implausible values); shown muted with the reason, kept out of trend changes.
- ``not_measurable``: the clip does not show what CPD needs (side view, competing people, no
  usable stance); no number is shown anywhere and the summary is null (``result.py``).

The thresholds and the state each flag leads to are the constants and ``FLAG_STATES`` below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import pose
from .track import Landmark, PoseTrack
from .video import NoPersonError, VideoInfo

if TYPE_CHECKING:
    from .summary import GaitSummary

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
# Plausibility (MEASUREMENT.md, "Quality gate"): values outside these ranges come from slow
# motion, walking or landmarks on the wrong body part, not from a runner's pelvis.
CADENCE_RANGE_SPM = (130.0, 230.0)
MAX_ABS_CPD_DEG = 20.0
STEP_WIDTH_RATIO_RANGE = (-1.0, 2.0)
# Left and right stances alternate, so their counts differ by one or two on a clean clip; a
# bigger gap means one foot's contacts were missed or invented.
MAX_STANCE_COUNT_GAP = 3
MAX_STANCE_COUNT_GAP_SHARE = 0.3

# MEASUREMENT.md, "What the number means": test-retest smallest detectable difference of 2D CPD
# over a week (Dingenen et al. 2018, 10 steps per leg). The one home of this number.
SMALLEST_DETECTABLE_DIFFERENCE_DEG = 2.8

MEASURABLE = "measurable"
LOW_CONFIDENCE = "low_confidence"
NOT_MEASURABLE = "not_measurable"
STATES = (MEASURABLE, LOW_CONFIDENCE, NOT_MEASURABLE)
STATE_LABELS = {MEASURABLE: "Measurable", LOW_CONFIDENCE: "Low confidence", NOT_MEASURABLE: "Not measurable"}
# The flags that leave nothing to measure: the picture does not show a back or front view of
# one runner's stances. Every other flag (and any code this version does not know) lowers the
# confidence only.
FLAG_STATES = {
    "sideways_view": NOT_MEASURABLE,
    "multiple_people": NOT_MEASURABLE,
    "no_usable_stance": NOT_MEASURABLE,
    "low_fps": LOW_CONFIDENCE,
    "truncated": LOW_CONFIDENCE,
    "person_partly_missing": LOW_CONFIDENCE,
    "low_visibility": LOW_CONFIDENCE,
    "too_short": LOW_CONFIDENCE,
    "implausible_cadence": LOW_CONFIDENCE,
    "implausible_cpd": LOW_CONFIDENCE,
    "implausible_step_width": LOW_CONFIDENCE,
    "unbalanced_stances": LOW_CONFIDENCE,
}


def change_beyond_noise(delta_deg: float | None, *, stances: Iterable[int | None]) -> bool | None:
    """Is a CPD change between two results real? Only when it exceeds the SDD and each result has
    at least ``MIN_STANCES_PER_SIDE`` stances on both sides (the SDD was measured on 10 steps per
    leg; fewer steps make a noisier mean). None when there is no change to judge.

    The caller passes only results that count (measurable, or accepted by a clinician).
    """
    if delta_deg is None:
        return None
    if any(n is None or n < MIN_STANCES_PER_SIDE for n in stances):
        return False
    return abs(delta_deg) > SMALLEST_DETECTABLE_DIFFERENCE_DEG


def state_of_flag(code: str) -> str:
    return FLAG_STATES.get(code, LOW_CONFIDENCE)


def status_of(codes: Iterable[str]) -> str:
    """The result state of a set of flag codes: the worst state any of them leads to."""
    states = {state_of_flag(code) for code in codes}
    if NOT_MEASURABLE in states:
        return NOT_MEASURABLE
    return LOW_CONFIDENCE if states else MEASURABLE


def status_reasons(flags: Iterable[dict[str, Any]]) -> list[str]:
    """The messages of the flags that decide the state (JSON flags), in plain words."""
    flags = list(flags)
    status = status_of(f.get("code", "") for f in flags)
    return [str(f.get("message", "")) for f in flags if state_of_flag(f.get("code", "")) == status]


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

    @property
    def status(self) -> str:
        return status_of(f.code for f in self.flags)

    @property
    def reasons(self) -> list[str]:
        return status_reasons(f.to_dict() for f in self.flags)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "status": self.status,
            "reasons": self.reasons,
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
    summary: GaitSummary | None = None,
) -> QualityReport:
    """Run every flag of the gate on a measured clip (refusals happen before this).

    ``summary`` (the clip's numbers) feeds the plausibility flags; without it they are skipped.
    """
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
    if n_left + n_right == 0:
        flags.append(
            QualityFlag(
                "no_usable_stance",
                "No usable step could be found, so pelvic drop cannot be measured. Film at least 10 seconds of "
                "steady running with both feet in view.",
            )
        )
    elif min(n_left, n_right) < MIN_STANCES_PER_SIDE:
        flags.append(
            QualityFlag(
                "too_short",
                f"Only {n_left} left and {n_right} right steps could be measured; at least {MIN_STANCES_PER_SIDE} per "
                "side are needed for a stable average. Record at least 10 seconds of steady running.",
            )
        )
    if (
        n_left
        and n_right
        and abs(n_left - n_right) > max(MAX_STANCE_COUNT_GAP, MAX_STANCE_COUNT_GAP_SHARE * max(n_left, n_right))
    ):
        flags.append(
            QualityFlag(
                "unbalanced_stances",
                f"{n_left} left and {n_right} right steps were found, but steps alternate: some foot contacts were "
                "missed or misread, so the per-side numbers are uncertain.",
            )
        )
    if summary is not None:
        flags.extend(plausibility_flags(summary))
    return report


def plausibility_flags(summary: GaitSummary) -> list[QualityFlag]:
    """Values no running pelvis produces (MEASUREMENT.md, "Quality gate"): slow motion, walking
    or landmarks on the wrong body part. The messages name the range, never the value: a flag is
    shown even where the result's numbers are withheld."""
    flags = []
    cadence = summary.cadence_spm
    lo, hi = CADENCE_RANGE_SPM
    if cadence is not None and not lo <= cadence <= hi:
        flags.append(
            QualityFlag(
                "implausible_cadence",
                f"The step rate came out outside the {lo:.0f}-{hi:.0f} steps per minute of running: "
                "a slow-motion clip played at the wrong speed, walking, or misread steps.",
            )
        )
    cpds = {side: summary.per_side[side]["cpd_midstance_deg"].mean for side in summary.per_side}
    extreme = {side: v for side, v in cpds.items() if v is not None and abs(v) > MAX_ABS_CPD_DEG}
    if extreme:
        flags.append(
            QualityFlag(
                "implausible_cpd",
                f"The pelvic drop came out above {MAX_ABS_CPD_DEG:.0f} degrees ({', '.join(sorted(extreme))}), more "
                "than a running pelvis tilts: the hip points are probably misplaced or the phone was not level.",
            )
        )
    w_lo, w_hi = STEP_WIDTH_RATIO_RANGE
    widths = [summary.per_side[side]["step_width_ratio"].mean for side in summary.per_side]
    odd = [w for w in widths if w is not None and not w_lo <= w <= w_hi]
    if odd:
        flags.append(
            QualityFlag(
                "implausible_step_width",
                "The feet landed implausibly far from the middle of the pelvis (more than a hip width across or two "
                "hip widths out): the feet or hips were probably misread.",
            )
        )
    return flags
