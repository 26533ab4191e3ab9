"""CPD, hip adduction, FPPA, step width, cadence and the per-clip summary against synthetic truth.

MEASUREMENT.md, "Metrics, per stance", "Per side and per clip" and "Ground truth for tests":
CPD within 0.5 deg, cadence within 1 step/min, roll-invariant mean CPD, mirror swaps sides.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from assessments.analysis.events import detect_stances
from assessments.analysis.filtering import smooth_landmarks
from assessments.analysis.metrics import (
    METRIC_NAMES,
    StanceMetrics,
    cpd_deg,
    level_reference_deg,
    measure_stances,
    pelvic_obliquity_deg,
)
from assessments.analysis.summary import GaitSummary, cadence_spm, summarize
from assessments.analysis.synthetic import SyntheticRun, generate_run
from assessments.analysis.track import PoseTrack, Side, View
from assessments.analysis.transforms import mirror_track, roll_track

CPD_TOLERANCE_DEG = 0.5
CADENCE_TOLERANCE_SPM = 1.0

# fps x view x roll, with cadence (150-190), CPD per side (0-12), noise and drops rotating.
CPD_PAIRS = ((0.0, 12.0), (6.0, 4.0), (12.0, 0.0), (3.0, 9.0), (8.0, 8.0), (1.0, 2.5))
GRID = [
    {
        "fps": fps,
        "view": view,
        "camera_roll_deg": roll,
        "cadence_spm": (150.0, 170.0, 190.0, 158.0, 181.0)[k % 5],
        "cpd_left_deg": CPD_PAIRS[k % len(CPD_PAIRS)][0],
        "cpd_right_deg": CPD_PAIRS[k % len(CPD_PAIRS)][1],
        "noise_px": (0.5, 1.5, 2.5)[k % 3],
        "drop_rate": (0.0, 0.05, 0.1)[(k // 3) % 3],
        "seed": 100 + k,
    }
    for k, (fps, view, roll) in enumerate(
        itertools.product((30.0, 60.0, 120.0, 240.0), ("posterior", "anterior"), (-5.0, 0.0, 5.0))
    )
]


def _case_id(p: dict) -> str:
    return f"{p['fps']:.0f}fps-{p['view']}-roll{p['camera_roll_deg']:+.0f}-{p['cadence_spm']:.0f}spm"


def _analyse(track: PoseTrack, **measure_kwargs: float) -> tuple[list[StanceMetrics], GaitSummary]:
    xy = smooth_landmarks(track)
    stances = detect_stances(track, xy=xy)
    metrics = measure_stances(track, stances, xy=xy, **measure_kwargs)
    return metrics, summarize(track, metrics)


@cache
def _run_and_summary(items: tuple) -> tuple[SyntheticRun, dict]:
    run = generate_run(**dict(items))
    return run, _analyse(run.track)[1].to_dict()


def _grid_case(params: dict) -> tuple[SyntheticRun, dict]:
    return _run_and_summary(tuple(sorted(params.items())))


def _cpd(summary: dict, side: str) -> float:
    return summary[side]["cpd_midstance_deg"]["mean"]


@pytest.mark.parametrize("params", [p for p in GRID if p["camera_roll_deg"] == 0.0], ids=_case_id)
def test_cpd_per_side_recovered_within_half_degree_with_a_level_camera(params: dict) -> None:
    run, summary = _grid_case(params)
    for side in ("left", "right"):
        assert abs(_cpd(summary, side) - run.truth.cpd_deg[side]) <= CPD_TOLERANCE_DEG
        assert summary[side]["cpd_midstance_deg"]["n"] >= 10


@pytest.mark.parametrize("params", GRID, ids=_case_id)
def test_camera_roll_shifts_per_side_cpd_by_plus_minus_roll_and_mean_cpd_stays_within_half_degree(
    params: dict,
) -> None:
    run, summary = _grid_case(params)
    roll = params["camera_roll_deg"]
    # Posterior: the athlete's left hip is image-left, so a roll adds to left CPD; anterior: opposite.
    sign = 1.0 if params["view"] == "posterior" else -1.0
    assert abs(_cpd(summary, "left") - (run.truth.cpd_deg["left"] + sign * roll)) <= CPD_TOLERANCE_DEG
    assert abs(_cpd(summary, "right") - (run.truth.cpd_deg["right"] - sign * roll)) <= CPD_TOLERANCE_DEG
    assert abs(summary["mean_cpd_deg"] - run.truth.mean_cpd_deg) <= CPD_TOLERANCE_DEG
    true_asymmetry = run.truth.cpd_deg["left"] - run.truth.cpd_deg["right"]
    assert abs(summary["asymmetry_deg"] - (true_asymmetry + 2 * sign * roll)) <= 2 * CPD_TOLERANCE_DEG


@pytest.mark.parametrize("params", GRID, ids=_case_id)
def test_cadence_recovered_within_one_step_per_minute(params: dict) -> None:
    run, summary = _grid_case(params)
    assert abs(summary["cadence_spm"] - run.truth.cadence_spm) <= CADENCE_TOLERANCE_SPM


def test_rotating_the_same_clip_keeps_mean_cpd_and_moves_asymmetry_by_twice_the_angle() -> None:
    # MEASUREMENT.md "Ground truth": rotate by a -> mean CPD unchanged (0.3 deg), L-R changes by 2a.
    run = generate_run(cpd_left_deg=7.0, cpd_right_deg=3.0, fps=60.0, noise_px=1.0, seed=11)
    base = _analyse(run.track)[1]
    rolled = _analyse(roll_track(run.track, 4.0))[1]
    assert rolled.mean_cpd_deg is not None and base.mean_cpd_deg is not None
    assert rolled.asymmetry_deg is not None and base.asymmetry_deg is not None
    assert abs(rolled.mean_cpd_deg - base.mean_cpd_deg) <= 0.3
    assert abs((rolled.asymmetry_deg - base.asymmetry_deg) - 8.0) <= 0.3


@pytest.mark.parametrize("view", ["posterior", "anterior"])
def test_mirroring_the_clip_swaps_left_and_right_values(view: View) -> None:
    run = generate_run(cpd_left_deg=9.0, cpd_right_deg=2.0, fppa_left_deg=10.0, fppa_right_deg=3.0, view=view, seed=12)
    original = _analyse(run.track)[1].to_dict()
    mirrored = _analyse(mirror_track(run.track))[1].to_dict()
    for name in METRIC_NAMES:
        assert mirrored["left"][name]["mean"] == pytest.approx(original["right"][name]["mean"], abs=0.05)
        assert mirrored["right"][name]["mean"] == pytest.approx(original["left"][name]["mean"], abs=0.05)
    assert mirrored["left"]["cpd_midstance_deg"]["mean"] == pytest.approx(2.0, abs=CPD_TOLERANCE_DEG)
    assert mirrored["cadence_spm"] == pytest.approx(original["cadence_spm"], abs=0.1)


@pytest.mark.parametrize(
    ("view", "step_width_ratio"),
    [("posterior", 0.25), ("posterior", -0.2), ("anterior", 0.25), ("anterior", -0.2), ("posterior", 0.0)],
)
def test_step_width_ratio_is_recovered_and_negative_for_crossover(view: View, step_width_ratio: float) -> None:
    run = generate_run(step_width_ratio=step_width_ratio, view=view, noise_px=1.5, seed=13)
    summary = _analyse(run.track)[1].to_dict()
    for side in ("left", "right"):
        measured = summary[side]["step_width_ratio"]["mean"]
        assert measured == pytest.approx(step_width_ratio, abs=0.03)
        if step_width_ratio < 0:
            assert summary[side]["step_width_ratio"]["median"] < 0


@pytest.mark.parametrize("view", ["posterior", "anterior"])
def test_fppa_and_hip_adduction_signs_and_values_follow_the_midline_in_both_views(view: View) -> None:
    run = generate_run(fppa_left_deg=10.0, fppa_right_deg=-4.0, view=view, noise_px=1.0, seed=14)
    summary = _analyse(run.track)[1].to_dict()
    assert summary["left"]["fppa_midstance_deg"]["mean"] == pytest.approx(10.0, abs=0.5)
    assert summary["right"]["fppa_midstance_deg"]["mean"] == pytest.approx(-4.0, abs=0.5)
    for side in ("left", "right"):
        truth = run.truth.hip_adduction_peak_deg[side]
        assert summary[side]["hip_adduction_peak_deg"]["mean"] == pytest.approx(truth, abs=1.0)


def test_cpd_peak_is_at_least_the_midstance_value_and_near_truth() -> None:
    run = generate_run(cpd_left_deg=8.0, cpd_right_deg=5.0, noise_px=1.0, seed=15)
    metrics, summary = _analyse(run.track)
    assert all(m.cpd_peak_deg >= m.cpd_midstance_deg for m in metrics)
    # The synthetic obliquity peaks at midstance, so the in-stance peak is the midstance truth.
    assert summary.per_side["left"]["cpd_peak_deg"].mean == pytest.approx(8.0, abs=0.6)
    assert summary.per_side["right"]["cpd_peak_deg"].mean == pytest.approx(5.0, abs=0.6)


def test_level_reference_from_a_standing_segment_restores_per_side_cpd_under_roll() -> None:
    # A level pelvis filmed with the same rolled camera serves as the standing segment.
    level = generate_run(cpd_left_deg=0.0, cpd_right_deg=0.0, camera_roll_deg=4.0, duration_s=3.0, seed=16)
    reference = level_reference_deg(level.track, 0.5, 2.5)
    assert reference is not None
    assert reference == pytest.approx(4.0, abs=0.1)

    run = generate_run(cpd_left_deg=7.0, cpd_right_deg=2.0, camera_roll_deg=4.0, view="anterior", seed=17)
    _, summary = _analyse(run.track, level_reference_deg=reference)
    assert summary.per_side["left"]["cpd_midstance_deg"].mean == pytest.approx(7.0, abs=CPD_TOLERANCE_DEG)
    assert summary.per_side["right"]["cpd_midstance_deg"].mean == pytest.approx(2.0, abs=CPD_TOLERANCE_DEG)
    out = summary.to_dict()
    assert out["level_reference"] == "standing_segment"
    assert out["level_reference_deg"] == pytest.approx(4.0, abs=0.1)
    assert _analyse(run.track)[1].to_dict()["level_reference"] == "image_horizontal"


def test_pelvic_obliquity_is_per_image_and_positive_when_the_image_right_hip_is_lower() -> None:
    run = generate_run(cpd_left_deg=0.0, cpd_right_deg=0.0, camera_roll_deg=3.0, noise_px=0.0, seed=18)
    obliquity = pelvic_obliquity_deg(run.track)
    assert obliquity.shape == (run.track.n_frames,)
    assert np.allclose(obliquity[10:-10], 3.0, atol=0.05)
    # The mirror image of that camera is rolled the other way, whatever the athlete's sides.
    assert np.allclose(pelvic_obliquity_deg(mirror_track(run.track))[10:-10], -3.0, atol=0.05)


def test_pelvic_obliquity_is_nan_where_nobody_was_detected() -> None:
    run = generate_run(fps=30.0, duration_s=4.0, seed=19)
    landmarks = run.track.landmarks.copy()
    landmarks[40:60] = np.nan  # 0.67 s: too long to bridge
    obliquity = pelvic_obliquity_deg(replace(run.track, landmarks=landmarks))
    assert np.isnan(obliquity[42:58]).all()
    assert not np.isnan(obliquity[:38]).any()


def test_cpd_at_one_sample_is_positive_when_the_swing_hip_is_lower() -> None:
    run = generate_run(cpd_left_deg=10.0, cpd_right_deg=6.0, noise_px=0.0, seed=20)
    left = next(s for s in run.truth.stances if s.side == "left")
    right = next(s for s in run.truth.stances if s.side == "right")
    assert cpd_deg(run.track, "left", left.midstance_frame) == pytest.approx(10.0, abs=0.3)
    assert cpd_deg(run.track, "right", right.midstance_frame) == pytest.approx(6.0, abs=0.3)
    # The same instant seen from the other hip's point of view is the opposite sign.
    assert cpd_deg(run.track, "right", left.midstance_frame) == pytest.approx(-10.0, abs=0.3)


def test_cadence_survives_a_missing_stance() -> None:
    step = 60.0 / 172.0
    contacts: list[tuple[Side, float]] = [("left" if k % 2 == 0 else "right", 0.013 + k * step) for k in range(30)]
    del contacts[11]  # one stance rejected: a same-foot pair and a double interval
    assert cadence_spm(contacts) == pytest.approx(172.0, abs=0.05)
    assert cadence_spm(contacts[:2]) is None


@pytest.mark.parametrize("cadence", [150.0, 163.0, 170.0, 188.0])
def test_cadence_from_whole_frame_contacts_at_30fps_is_within_one_step_per_minute(cadence: float) -> None:
    # Whole frames at 30 fps quantise each step interval by 33 ms (~10% of a step): the single
    # median interval would be several steps/min off, the whole-clip fit is not.
    fps, step = 30.0, 60.0 / cadence
    contacts: list[tuple[Side, float]] = [
        ("left" if k % 2 == 0 else "right", round((0.21 + k * step) * fps) / fps) for k in range(34)
    ]
    assert cadence_spm(contacts) == pytest.approx(cadence, abs=CADENCE_TOLERANCE_SPM)


def test_stance_dict_has_exactly_the_reported_keys_and_is_json_safe() -> None:
    run = generate_run(seed=21)
    metrics, summary = _analyse(run.track)
    assert set(metrics[0].to_dict()) == {
        "side",
        "contact_frame",
        "toe_off_frame",
        "midstance_frame",
        "cpd_midstance_deg",
        "cpd_peak_deg",
        "hip_adduction_peak_deg",
        "fppa_midstance_deg",
        "step_width_ratio",
    }
    json.dumps([m.to_dict() for m in metrics], allow_nan=False)
    out = summary.to_dict()
    json.dumps(out, allow_nan=False)
    assert set(out["left"]) == set(METRIC_NAMES)
    assert set(out["left"]["cpd_midstance_deg"]) == {"mean", "sd", "median", "n", "ci95_low", "ci95_high"}


def test_summary_reports_none_not_nan_when_a_side_has_no_stances() -> None:
    run = generate_run(seed=22)
    metrics, _ = _analyse(run.track)
    only_left = [m for m in metrics if m.side == "left"]
    nan_metric = StanceMetrics(
        side="left",
        contact_frame=1,
        toe_off_frame=5,
        midstance_frame=3,
        cpd_midstance_deg=math.nan,
        cpd_peak_deg=math.nan,
        hip_adduction_peak_deg=math.nan,
        fppa_midstance_deg=math.nan,
        step_width_ratio=math.nan,
    )
    assert nan_metric.to_dict()["cpd_midstance_deg"] is None
    out = summarize(run.track, [*only_left, nan_metric]).to_dict()
    assert out["right"]["cpd_midstance_deg"] == {
        "mean": None,
        "sd": None,
        "median": None,
        "n": 0,
        "ci95_low": None,
        "ci95_high": None,
    }
    assert out["left"]["cpd_midstance_deg"]["n"] == len(only_left)
    assert out["mean_cpd_deg"] is None and out["asymmetry_deg"] is None
    json.dumps(out, allow_nan=False)
    assert summarize(run.track, []).to_dict()["cadence_spm"] is None
