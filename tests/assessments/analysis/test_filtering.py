"""Gap filling bridges only short holes; the low-pass keeps the gait and drops the jitter."""

from __future__ import annotations

import numpy as np
import pytest

from assessments.analysis.filtering import fill_gaps, lowpass, nan_runs


def test_short_gaps_are_bridged_and_long_gaps_and_edges_stay_nan() -> None:
    t = np.linspace(0, 2 * np.pi, 100)
    values = np.sin(t)
    holed = values.copy()
    holed[:3] = np.nan  # leading
    holed[20:23] = np.nan  # short: bridged
    holed[50:70] = np.nan  # long: kept
    filled = fill_gaps(holed, max_gap=5)
    assert np.allclose(filled[20:23], values[20:23], atol=0.01)
    assert np.isnan(filled[:3]).all()
    assert np.isnan(filled[50:70]).all()
    assert nan_runs(np.isnan(filled)) == [(0, 3), (50, 70)]


def test_lowpass_keeps_a_stride_frequency_wave_and_removes_pixel_jitter() -> None:
    fs = 60.0
    t = np.arange(600) / fs
    wave = 20.0 * np.sin(2 * np.pi * 1.4 * t)  # stride frequency
    noisy = wave + np.random.default_rng(0).normal(0.0, 2.0, t.shape)
    assert np.max(np.abs(lowpass(wave, fs) - wave)) < 0.1
    # White jitter keeps the share of its power below the 10 Hz cutoff: 1/3 at 60 fps.
    assert np.std(lowpass(noisy, fs) - wave) < 0.7 * np.std(noisy - wave)


def test_lowpass_filters_each_detected_run_separately_and_keeps_nan() -> None:
    fs = 30.0
    values = np.ones(100)
    values[40:50] = np.nan
    out = lowpass(values, fs)
    assert np.isnan(out[40:50]).all()
    assert np.allclose(out[~np.isnan(out)], 1.0)


@pytest.mark.parametrize("fs", [24.0, 30.0, 240.0])
def test_lowpass_design_is_valid_at_low_and_high_frame_rates(fs: float) -> None:
    t = np.arange(int(5 * fs)) / fs
    out = lowpass(np.sin(2 * np.pi * 1.0 * t), fs)
    assert np.isfinite(out).all()
    assert np.max(np.abs(out - np.sin(2 * np.pi * t))) < 0.05
