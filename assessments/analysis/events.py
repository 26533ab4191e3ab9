"""Stance detection: initial contact, midstance and toe-off of each foot on the treadmill.

Implements MEASUREMENT.md, "Gait events", on the smoothed landmarks of ``filtering``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .filtering import nan_runs, smooth_landmarks
from .track import JOINTS, SIDES, Landmark, PoseTrack, Side

GROUND_WINDOW_S = 2.0  # rolling window for each foot's ground level (>= one stride at 150 spm)
GROUND_PERCENTILE = 95.0  # the belt: the foot's lowest image level, robust to outliers
TOP_PERCENTILE = 5.0
STANCE_TOLERANCE = 0.2  # of the foot's vertical range: "near its ground level"
CONTACT_SEARCH_S = 0.15  # the heel's fast descent before contact is looked for this far back
TOE_OFF_SEARCH_S = 0.2  # the forefoot's fast rise after toe-off is looked for this far ahead
# Body-scaled floors, so pixel jitter of a runner standing still never makes a stance: the
# heel must rise by 8% of the leg length in swing and land/lift at 0.25 leg lengths per second
# (running: heel rise ~40% of leg, heel-strike speed ~1 leg/s).
MIN_FOOT_RANGE = 0.08
MIN_FOOT_SPEED = 0.25
MIN_VISIBILITY = 0.5
MIN_STANCE_SAMPLES = 3


@dataclass(frozen=True)
class Stance:
    """One stance phase of one foot.

    ``*_frame`` are the clip's own frame numbers; ``*_i`` index the track's samples (they
    differ when pose ran on a decimated clip). Contact and toe-off frames are rounded from the
    sub-sample event times ``contact_time_s`` / ``toe_off_time_s`` (clip seconds).
    """

    side: Side
    contact_frame: int
    toe_off_frame: int
    midstance_frame: int
    contact_i: int
    toe_off_i: int
    midstance_i: int
    contact_time_s: float
    toe_off_time_s: float

    @property
    def duration_s(self) -> float:
        return self.toe_off_time_s - self.contact_time_s


def rolling_percentile(values: np.ndarray, window: int, q: float, step: int = 1) -> np.ndarray:
    """NaN-aware centred rolling percentile; evaluated every ``step`` samples and interpolated."""
    n = len(values)
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), values, np.full(half, np.nan)])
    windows = sliding_window_view(padded, 2 * half + 1)[::step]
    centres = np.arange(n)[::step]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows inside long gaps
        level = np.nanpercentile(windows, q, axis=1)
    ok = ~np.isnan(level)
    if not ok.any():
        return np.full(n, np.nan)
    return np.interp(np.arange(n), centres[ok], level[ok])


def _foot_height(y: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Height above the foot's own rolling ground level (px, up positive) and its vertical range.

    Per foot and rolling, so a camera rolled by a few degrees (the two feet's belt lines at
    different image heights) or a slow drift of the runner on the belt does not matter.
    """
    window = max(5, round(GROUND_WINDOW_S * fs))
    step = max(1, round(0.05 * fs))
    ground = rolling_percentile(y, window, GROUND_PERCENTILE, step)
    top = rolling_percentile(y, window, TOP_PERCENTILE, step)
    return ground - y, ground - top


def _crossing(values: np.ndarray, j: int, level: float) -> float:
    """Fractional index between j and j + 1 where ``values`` crosses ``level`` (linear)."""
    a, b = values[j], values[j + 1]
    if b == a:
        return float(j)
    return float(j + np.clip((level - a) / (b - a), 0.0, 1.0))


def _contact(v_down: np.ndarray, start: int, stop: int, fs: float, speed_min: float) -> float | None:
    """Initial contact: the heel's fast descent stops ("velocity turns", MEASUREMENT.md).

    Taken where the low-passed downward velocity has fallen to half of its peak just before
    landing: the heel's velocity drops from its peak to ~0 at the strike, and the zero-phase
    filter spreads that drop symmetrically, so the half-way crossing marks the strike itself.
    """
    lo = start - round(CONTACT_SEARCH_S * fs)
    hi = min(stop, start + round(0.1 * fs))
    if lo < 0 or np.isnan(v_down[lo : stop + 1]).any():
        return None  # cut by the clip start or a long gap: partial stance
    k = lo + int(np.argmax(v_down[lo : hi + 1]))
    if k == lo or v_down[k] < speed_min:
        return None
    half = 0.5 * v_down[k]
    after = np.flatnonzero(v_down[k : stop + 1] <= half)
    if len(after) == 0:
        return None
    j = k + int(after[0]) - 1
    return _crossing(v_down, j, half)


def _toe_off(v_up: np.ndarray, start: int, stop: int, fs: float, speed_min: float) -> float | None:
    """Toe-off: the forefoot starts rising, found like the contact (half of the early-swing peak)."""
    lo = (start + stop) // 2
    hi = stop + round(TOE_OFF_SEARCH_S * fs)
    if hi >= len(v_up) or np.isnan(v_up[lo : hi + 1]).any():
        return None  # cut by the clip end or a long gap
    k = lo + int(np.argmax(v_up[lo : hi + 1]))
    if k == hi or v_up[k] < speed_min:
        return None
    half = 0.5 * v_up[k]
    before = np.flatnonzero(v_up[lo : k + 1] <= half)
    if len(before) == 0:
        return None
    j = lo + int(before[-1])
    return _crossing(v_up, j, half)


def _foot_series(xy: np.ndarray, track: PoseTrack, side: Side) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed image y of heel (fallback ankle) and forefoot (fallback heel) of one side."""
    heel = xy[:, JOINTS["heel"][side], 1]
    if np.isnan(heel).all() or np.nanmedian(track.visibility("heel", side)) < MIN_VISIBILITY:
        heel = xy[:, JOINTS["ankle"][side], 1]
    toe = xy[:, JOINTS["foot_index"][side], 1]
    if np.isnan(toe).all() or np.nanmedian(track.visibility("foot_index", side)) < MIN_VISIBILITY:
        toe = heel
    return heel, toe


def _leg_length_px(xy: np.ndarray) -> float:
    """Median image distance from the mid-hip to the midpoint of the two ankles: the body scale."""
    hips = 0.5 * (xy[:, Landmark.LEFT_HIP] + xy[:, Landmark.RIGHT_HIP])
    ankles = 0.5 * (xy[:, Landmark.LEFT_ANKLE] + xy[:, Landmark.RIGHT_ANKLE])
    length = np.linalg.norm(ankles - hips, axis=-1)
    return float(np.nanmedian(length)) if not np.isnan(length).all() else float("nan")


def _close_holes(mask: np.ndarray, max_hole: int) -> np.ndarray:
    out = mask.copy()
    for start, stop in nan_runs(~mask):
        if start > 0 and stop < len(mask) and stop - start <= max_hole:
            out[start:stop] = True
    return out


def _visible(track: PoseTrack, side: Side, start: int, stop: int) -> bool:
    """Hips and the stance ankle must be confidently seen through the stance."""
    vis = [
        track.visibility("hip", "left")[start : stop + 1],
        track.visibility("hip", "right")[start : stop + 1],
        track.visibility("ankle", side)[start : stop + 1],
    ]
    return all(np.nanmean(v) >= MIN_VISIBILITY if not np.isnan(v).all() else False for v in vis)


def detect_stances(track: PoseTrack, *, xy: np.ndarray | None = None) -> list[Stance]:
    """Stances of both feet, sorted by contact (MEASUREMENT.md, "Gait events").

    Stance = the heel (fallback ankle) within a tolerance of its own rolling ground level and
    lower than the other foot; contact and toe-off from the heel and forefoot velocities;
    midstance = the stance sample where the mid-hip is lowest in the image. Stances cut by the
    clip's start or end or by an unbridged gap, shorter than 3 samples, or with hips/ankles of
    low visibility are left out. ``xy`` may pass precomputed ``smooth_landmarks(track)``.
    """
    if track.n_frames < 7:
        return []
    fs = track.sample_fps
    if xy is None:
        xy = smooth_landmarks(track)
    mid_hip_y = 0.5 * (xy[:, Landmark.LEFT_HIP, 1] + xy[:, Landmark.RIGHT_HIP, 1])
    leg_px = _leg_length_px(xy)
    if not np.isfinite(leg_px):
        return []
    feet = {side: _foot_series(xy, track, side) for side in SIDES}
    heights = {side: _foot_height(feet[side][0], fs) for side in SIDES}
    sample_i = np.arange(track.n_frames)
    stances: list[Stance] = []
    for side in SIDES:
        other: Side = "right" if side == "left" else "left"
        heel_y, toe_y = feet[side]
        height, foot_range = heights[side]
        with np.errstate(invalid="ignore"):
            on_ground = (
                (height < STANCE_TOLERANCE * foot_range)
                & (height < heights[other][0])
                & (foot_range >= MIN_FOOT_RANGE * leg_px)
            )
        on_ground = _close_holes(on_ground, max(1, round(0.02 * fs)))
        speed_min = MIN_FOOT_SPEED * leg_px
        if track.regular:
            v_down = np.gradient(heel_y) * fs
            v_up = -np.gradient(toe_y) * fs
        else:  # variable frame rate: velocities over the samples' own times
            v_down = np.gradient(heel_y, track.time_s)
            v_up = -np.gradient(toe_y, track.time_s)
        for start, stop in nan_runs(on_ground):
            contact = _contact(v_down, start, stop - 1, fs, speed_min)
            toe_off = _toe_off(v_up, start, stop - 1, fs, speed_min)
            if contact is None or toe_off is None:
                continue
            ic, to = round(contact), round(toe_off)
            if to - ic + 1 < MIN_STANCE_SAMPLES or not _visible(track, side, ic, to):
                continue
            hip = mid_hip_y[ic : to + 1]
            if np.isnan(hip).any():
                continue
            ms = ic + int(np.argmax(hip))
            frames = track.frame_index.astype(float)
            stances.append(
                Stance(
                    side=side,
                    contact_frame=round(float(np.interp(contact, sample_i, frames))),
                    toe_off_frame=round(float(np.interp(toe_off, sample_i, frames))),
                    midstance_frame=int(track.frame_index[ms]),
                    contact_i=ic,
                    toe_off_i=to,
                    midstance_i=ms,
                    contact_time_s=float(np.interp(contact, sample_i, track.time_s)),
                    toe_off_time_s=float(np.interp(toe_off, sample_i, track.time_s)),
                )
            )
    return _without_duplicates(sorted(stances, key=lambda s: s.contact_time_s))


def _without_duplicates(stances: list[Stance]) -> list[Stance]:
    """Drop a stance that overlaps an earlier one of the same foot (a split ground phase)."""
    kept: list[Stance] = []
    last_off: dict[Side, float] = {}
    for s in stances:
        if s.contact_time_s < last_off.get(s.side, -np.inf):
            continue
        kept.append(s)
        last_off[s.side] = s.toe_off_time_s
    return kept
