"""Per-stance frontal-plane metrics: CPD, hip adduction, knee FPPA, step width.

Implements MEASUREMENT.md, "Metrics, per stance", on the smoothed landmarks of ``filtering``
(the same ones the events were found on). The per-clip summary of these metrics, and cadence,
live in ``summary``, which imports this module's ``StanceMetrics`` (import them from there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .events import Stance
from .filtering import smooth_landmarks
from .track import JOINTS, Landmark, PoseTrack, Side

METRIC_NAMES: tuple[str, ...] = (
    "cpd_midstance_deg",
    "cpd_peak_deg",
    "hip_adduction_peak_deg",
    "fppa_midstance_deg",
    "step_width_ratio",
)


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def _rounded(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def pelvic_obliquity_deg(track: PoseTrack, *, xy: np.ndarray | None = None) -> np.ndarray:
    """Per-sample hip-line angle against the image horizontal, (n_frames,), NaN where undetected.

    Angle of the line from the hip further left in the image to the one further right,
    ``degrees(atan2(y_right - y_left, x_right - x_left))`` in pixels, y down: positive when the
    image-right hip is lower. Per image, not per athlete side (MEASUREMENT.md, "Metrics").
    Uses the smoothed landmarks unless ``xy`` is given.
    """
    if xy is None:
        xy = smooth_landmarks(track)
    a, b = xy[:, Landmark.LEFT_HIP], xy[:, Landmark.RIGHT_HIP]
    a_is_left = a[:, 0] <= b[:, 0]
    img_left = np.where(a_is_left[:, None], a, b)
    img_right = np.where(a_is_left[:, None], b, a)
    d = img_right - img_left
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def level_reference_deg(track: PoseTrack, start_s: float, end_s: float) -> float | None:
    """Median hip-line angle over a still standing segment [start_s, end_s] of the clip.

    MEASUREMENT.md, "Per side and per clip": a standing segment's hip-line angle may serve as
    the level reference instead of the image horizontal. None if no hips were seen there.
    """
    inside = (track.time_s >= start_s) & (track.time_s <= end_s)
    angles = pelvic_obliquity_deg(track)[inside]
    angles = angles[~np.isnan(angles)]
    return float(np.median(angles)) if len(angles) else None


def _cpd(xy: np.ndarray, side: Side, i: int | slice, reference_deg: float = 0.0) -> np.ndarray:
    """CPD of stance side ``side``: atan2(y_swing - y_stance, |x_swing - x_stance|).

    ``reference_deg`` is the image angle of the level hip line (0 = image horizontal); it is
    removed in the frame where the stance hip is on the left of the line, so it corrects both
    views alike.
    """
    stance = xy[i, JOINTS["hip"][side]]
    swing = xy[i, JOINTS["hip"][_other(side)]]
    d = swing - stance
    cpd = np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0])))
    # The level line's tilt lowers the image-right hip: that adds to CPD when the swing hip is
    # on the image right, and subtracts when it is on the left.
    return cpd - np.sign(d[..., 0]) * reference_deg


def cpd_deg(
    track: PoseTrack,
    side: Side,
    i: int,
    *,
    xy: np.ndarray | None = None,
    reference_deg: float = 0.0,
) -> float:
    """CPD (deg) at track sample ``i`` with ``side`` as the stance side; positive = swing hip lower.

    MEASUREMENT.md, "Metrics, per stance", against the image horizontal unless a level
    reference (``level_reference_deg``) is given.
    """
    if xy is None:
        xy = smooth_landmarks(track)
    return float(_cpd(xy, side, i, reference_deg))


def _medial_and_down(xy: np.ndarray, side: Side, i: int | slice) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along the hip line towards the midline, and perpendicular to it, downwards.

    Built from the hip positions, so the midline direction is right in both views.
    """
    hip = xy[i, JOINTS["hip"][side]]
    medial = xy[i, JOINTS["hip"][_other(side)]] - hip
    medial = medial / np.linalg.norm(medial, axis=-1, keepdims=True)
    down = np.stack([-medial[..., 1], medial[..., 0]], axis=-1)
    down = down * np.sign(down[..., 1:2])
    return medial, down


def hip_adduction_deg(xy: np.ndarray, side: Side, i: int | slice) -> np.ndarray:
    """Thigh (hip -> knee) against the perpendicular to the hip line, positive towards the midline."""
    medial, down = _medial_and_down(xy, side, i)
    thigh = xy[i, JOINTS["knee"][side]] - xy[i, JOINTS["hip"][side]]
    return np.degrees(np.arctan2(np.sum(thigh * medial, -1), np.sum(thigh * down, -1)))


def fppa_deg(xy: np.ndarray, side: Side, i: int | slice) -> np.ndarray:
    """Knee FPPA: 180 - angle(hip, knee, ankle), positive = knee medial of the hip-ankle line."""
    hip = xy[i, JOINTS["hip"][side]]
    knee = xy[i, JOINTS["knee"][side]]
    ankle = xy[i, JOINTS["ankle"][side]]
    to_hip, to_ankle = hip - knee, ankle - knee
    cos_knee = np.sum(to_hip * to_ankle, -1) / (np.linalg.norm(to_hip, axis=-1) * np.linalg.norm(to_ankle, axis=-1))
    fppa = 180.0 - np.degrees(np.arccos(np.clip(cos_knee, -1.0, 1.0)))
    # Which side of the hip-ankle line is the knee on? Compare with the midline direction.
    axis = ankle - hip
    offset = (knee - hip) - axis * (np.sum((knee - hip) * axis, -1) / np.sum(axis * axis, -1))[..., None]
    medial, _ = _medial_and_down(xy, side, i)
    return np.where(np.sum(offset * medial, -1) >= 0.0, fppa, -fppa)


def step_width_ratio(xy: np.ndarray, side: Side, i: int, reference_deg: float = 0.0) -> float:
    """Stance heel to pelvis midline at sample ``i``, over hip width; negative = across midline.

    Distances are along the image horizontal (or the level reference line if given), as
    MEASUREMENT.md's "horizontal distance"; lateral is the stance hip's side of the mid-hip.
    """
    horizontal = np.array([math.cos(math.radians(reference_deg)), math.sin(math.radians(reference_deg))])
    hip = xy[i, JOINTS["hip"][side]]
    other = xy[i, JOINTS["hip"][_other(side)]]
    heel = xy[i, JOINTS["heel"][side]]
    if np.isnan(heel).any():
        heel = xy[i, JOINTS["ankle"][side]]
    mid = 0.5 * (hip + other)
    hip_width = abs(float((hip - other) @ horizontal))
    lateral = math.copysign(1.0, float((hip - mid) @ horizontal))
    return float((heel - mid) @ horizontal) * lateral / hip_width if hip_width > 0 else math.nan


@dataclass(frozen=True)
class StanceMetrics:
    """Metrics of one stance (MEASUREMENT.md, "Metrics, per stance"); NaN = not measurable.

    CPD values are against ``level_reference_deg`` (None = the image horizontal).
    """

    side: Side
    contact_frame: int
    toe_off_frame: int
    midstance_frame: int
    cpd_midstance_deg: float
    cpd_peak_deg: float
    hip_adduction_peak_deg: float
    fppa_midstance_deg: float
    step_width_ratio: float
    level_reference_deg: float | None = None
    contact_time_s: float = math.nan  # sub-frame, for cadence; not reported per stance

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "contact_frame": self.contact_frame,
            "toe_off_frame": self.toe_off_frame,
            "midstance_frame": self.midstance_frame,
            **{name: _rounded(getattr(self, name)) for name in METRIC_NAMES},
        }


def _nanmax(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.max()) if len(values) else math.nan


def measure_stances(
    track: PoseTrack,
    stances: list[Stance],
    *,
    level_reference_deg: float | None = None,
    xy: np.ndarray | None = None,
) -> list[StanceMetrics]:
    """Per-stance metrics (MEASUREMENT.md, "Metrics, per stance").

    CPD at midstance and its peak within stance; hip adduction peak within stance; FPPA at
    midstance; step width at initial contact. ``level_reference_deg`` (from
    ``level_reference_deg()``) replaces the image horizontal for CPD and step width.
    """
    if xy is None:
        xy = smooth_landmarks(track)
    ref = level_reference_deg or 0.0
    out = []
    for s in stances:
        during = slice(s.contact_i, s.toe_off_i + 1)
        out.append(
            StanceMetrics(
                side=s.side,
                contact_frame=s.contact_frame,
                toe_off_frame=s.toe_off_frame,
                midstance_frame=s.midstance_frame,
                cpd_midstance_deg=float(_cpd(xy, s.side, s.midstance_i, ref)),
                cpd_peak_deg=_nanmax(_cpd(xy, s.side, during, ref)),
                hip_adduction_peak_deg=_nanmax(hip_adduction_deg(xy, s.side, during)),
                fppa_midstance_deg=float(fppa_deg(xy, s.side, s.midstance_i)),
                step_width_ratio=step_width_ratio(xy, s.side, s.contact_i, ref),
                level_reference_deg=level_reference_deg,
                contact_time_s=s.contact_time_s,
            )
        )
    return out


__all__ = [
    "METRIC_NAMES",
    "StanceMetrics",
    "cpd_deg",
    "fppa_deg",
    "hip_adduction_deg",
    "level_reference_deg",
    "measure_stances",
    "pelvic_obliquity_deg",
    "step_width_ratio",
]
