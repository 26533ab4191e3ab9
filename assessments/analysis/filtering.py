"""Gap filling and zero-phase low-pass filtering of landmark tracks.

Events and metrics read the same smoothed landmarks (MEASUREMENT.md, "Gait events": "low-pass
filter, then ..."), so both come from ``smooth_landmarks``.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

from .track import PoseTrack

# Running kinematics are usually low-passed at 8-12 Hz; 10 Hz keeps the pelvic obliquity and
# heel-strike shapes (stride and step frequencies are 1.2-3.2 Hz) while removing pixel jitter.
DEFAULT_CUTOFF_HZ = 10.0
# Only short holes are bridged: a 0.1 s gap is less than half a stance, longer ones stay NaN so
# that no event is invented inside them.
DEFAULT_MAX_GAP_S = 0.1
FILTER_ORDER = 2  # run forwards and backwards: 4th order, zero phase


def nan_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` index ranges where the boolean ``mask`` is True."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def fill_gaps(values: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill interior NaN runs of at most ``max_gap`` samples of a 1-D series (PCHIP).

    PCHIP does not overshoot, so a bridged heel never dips below the ground it came from.
    Leading/trailing NaN and longer gaps are left NaN.
    """
    out = np.array(values, dtype=float, copy=True)
    valid = ~np.isnan(out)
    if valid.sum() < 2 or valid.all():
        return out
    idx = np.arange(len(out))
    interp = PchipInterpolator(idx[valid], out[valid], extrapolate=False)
    first, last = idx[valid][0], idx[valid][-1]
    for start, stop in nan_runs(~valid):
        if start > first and stop <= last and stop - start <= max_gap:
            out[start:stop] = interp(idx[start:stop])
    return out


def lowpass(values: np.ndarray, fs: float, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> np.ndarray:
    """Zero-phase Butterworth low-pass of a 1-D series, run separately on each NaN-free run.

    The cutoff is capped at a quarter of the sample rate (half of Nyquist): at 24-30 fps the
    10 Hz default would pass most pixel jitter, and event timing does not depend on it.
    Runs too short to filter are returned unfiltered.
    """
    out = np.array(values, dtype=float, copy=True)
    wn = min(cutoff_hz, 0.25 * fs) / (fs / 2.0)
    sos = butter(FILTER_ORDER, wn, btype="low", output="sos")
    for start, stop in nan_runs(~np.isnan(out)):
        length = stop - start
        if length < 7:
            continue
        padlen = min(3 * (2 * len(sos) + 1), length - 1)
        out[start:stop] = sosfiltfilt(sos, out[start:stop], padlen=padlen)
    return out


def smooth_series(
    values: np.ndarray,
    fs: float,
    *,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> np.ndarray:
    """Gap-fill then low-pass one 1-D series sampled at ``fs``."""
    max_gap = max(1, round(max_gap_s * fs))
    return lowpass(fill_gaps(values, max_gap), fs, cutoff_hz)


def smooth_landmarks(
    track: PoseTrack,
    *,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> np.ndarray:
    """Gap-filled, low-passed pixel positions of all 33 landmarks: array (n_frames, 33, 2).

    Samples inside gaps longer than ``max_gap_s`` (and before/after the first/last detection)
    stay NaN. Filtering uses the pose sample rate (``track.sample_fps``); uneven samples
    (variable frame rate) are filtered on an even grid of their own times (``_smooth_uneven``).
    """
    fs = track.sample_fps
    xy = track.landmarks[:, :, :2]
    if not track.regular:
        return _smooth_uneven(xy, track.time_s, fs, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    out = np.full(xy.shape, np.nan)
    for lm in range(xy.shape[1]):
        for axis in range(2):
            out[:, lm, axis] = smooth_series(xy[:, lm, axis], fs, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    return out


def _smooth_uneven(xy: np.ndarray, time_s: np.ndarray, fs: float, *, cutoff_hz: float, max_gap_s: float) -> np.ndarray:
    """Variable frame rate: each series is resampled (linearly) onto an even grid at ``fs``
    starting at the first sample, low-passed there, and read back at the samples' own times.

    A Butterworth filter assumes even samples: run on uneven ones it would treat a dropped frame
    as no time at all. Holes between detections longer than ``max_gap_s`` stay NaN, as in
    ``fill_gaps``.
    """
    dt = 1.0 / fs
    t = np.asarray(time_s, dtype=float)
    grid = t[0] + dt * np.arange(int(np.floor((t[-1] - t[0]) / dt + 1e-9)) + 1)
    out = np.full(xy.shape, np.nan)
    for lm in range(xy.shape[1]):
        for axis in range(2):
            values = xy[:, lm, axis]
            ok = ~np.isnan(values)
            if ok.sum() < 2:
                continue
            tv = t[ok]
            on_grid = np.interp(grid, tv, values[ok], left=np.nan, right=np.nan)
            after = np.clip(np.searchsorted(tv, grid), 1, len(tv) - 1)
            hole = (tv[after] - tv[after - 1]) > max_gap_s + 0.5 * dt
            on_grid[hole & (grid > tv[0]) & (grid < tv[-1])] = np.nan
            # np.interp carries a NaN neighbour into the result: samples next to a hole stay NaN.
            out[:, lm, axis] = np.interp(t, grid, lowpass(on_grid, fs, cutoff_hz))
            out[~ok & ~((t > tv[0]) & (t < tv[-1])), lm, axis] = np.nan
    return out
