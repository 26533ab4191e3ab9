"""The gate's three result states, plausibility flags and the per-side 95% CI (issue 13).

Synthetic runs (synthetic.py) carry known truth; the real side-view clip is the not-measurable case.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from assessments.analysis import cli
from assessments.analysis.events import detect_stances
from assessments.analysis.metrics import measure_stances, pelvic_obliquity_deg
from assessments.analysis.quality import (
    LOW_CONFIDENCE,
    MEASURABLE,
    NOT_MEASURABLE,
    SMALLEST_DETECTABLE_DIFFERENCE_DEG,
    assess,
    change_beyond_noise,
    plausibility_flags,
    status_of,
)
from assessments.analysis.result import AnalysisResult, Timing
from assessments.analysis.summary import MetricSummary, ci95_half_width, summarize
from assessments.analysis.synthetic import generate_run
from assessments.analysis.track import Landmark, PoseTrack
from assessments.analysis.video import VideoInfo

from .conftest import SPORTS2D


def _analyse(track: PoseTrack) -> AnalysisResult:
    """The pipeline's steps after pose, on a synthetic track."""
    info = VideoInfo(
        path="synthetic", container="none", fps=track.fps, frames=track.n_frames, width=track.width, height=track.height
    )
    stances = detect_stances(track)
    metrics = measure_stances(track, stances)
    summary = summarize(track, metrics)
    quality = assess(
        info=info,
        track=track,
        disagreement=np.zeros(track.n_frames),
        stance_sides=[s.side for s in stances],
        summary=summary,
    )
    return AnalysisResult(
        analysis_version="test",
        video=info.to_dict(),
        view=track.view,
        frame_index=track.frame_index,
        time_s=track.time_s,
        detected=track.detected,
        pelvic_obliquity_deg=pelvic_obliquity_deg(track),
        stances=[m.to_dict() for m in metrics],
        summary=summary.to_dict(),
        quality=quality,
        timing=Timing(decode_s=0, pose_s=0, total_s=0, duration_s=info.duration_s),
    )


def test_a_clean_12_second_run_is_measurable_with_a_ci_around_the_true_cpd():
    run = generate_run(cpd_left_deg=6.0, cpd_right_deg=4.0, noise_px=1.0, seed=3)
    d = json.loads(_analyse(run.track).to_json())
    assert d["quality"]["status"] == MEASURABLE and d["quality"]["reasons"] == []
    for side, truth in (("left", 6.0), ("right", 4.0)):
        cpd = d["summary"][side]["cpd_midstance_deg"]
        assert cpd["n"] >= 7
        assert cpd["ci95_low"] < cpd["mean"] < cpd["ci95_high"]
        assert cpd["ci95_low"] - 0.1 <= truth <= cpd["ci95_high"] + 0.1


def test_a_3_second_run_is_low_confidence_and_keeps_its_numbers():
    run = generate_run(duration_s=3.0, seed=4)
    d = json.loads(_analyse(run.track).to_json())
    assert d["quality"]["status"] == LOW_CONFIDENCE
    assert any("at least 7 per side" in reason for reason in d["quality"]["reasons"])
    assert abs(d["summary"]["left"]["cpd_midstance_deg"]["mean"] - 6.0) < 0.5


def _side_on(track: PoseTrack) -> PoseTrack:
    """The same runner seen from the side: both hips (and shoulders) at one image x."""
    lm = track.landmarks.copy()
    for a, b in ((Landmark.LEFT_HIP, Landmark.RIGHT_HIP), (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)):
        centre = 0.5 * (lm[:, a, 0] + lm[:, b, 0])
        lm[:, a, 0] = centre - 2.0
        lm[:, b, 0] = centre + 2.0
    return replace(track, landmarks=lm)


def test_a_side_on_run_is_not_measurable_with_every_summary_value_null_and_frames_kept():
    run = generate_run(seed=5)
    result = _analyse(_side_on(run.track))
    d = json.loads(result.to_json())
    assert d["quality"]["status"] == NOT_MEASURABLE
    assert "sideways_view" in {f["code"] for f in d["quality"]["flags"]}

    def leaves(obj):
        if isinstance(obj, dict):
            for value in obj.values():
                yield from leaves(value)
        else:
            yield obj

    assert list(leaves(d["summary"])) and all(v is None for v in leaves(d["summary"]))
    assert len(d["frames"]["index"]) == run.track.n_frames
    assert sum(v is not None for v in d["frames"]["pelvic_obliquity_deg"]) > 0.9 * run.track.n_frames


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("cadence_spm", 328.0, "implausible_cadence"),
        ("cadence_spm", 112.0, "implausible_cadence"),
        ("cpd", -55.8, "implausible_cpd"),
        ("step_width", -1.86, "implausible_step_width"),
        ("step_width", 2.4, "implausible_step_width"),
    ],
)
def test_implausible_values_are_coded_flags_that_lower_confidence(field, value, code):
    run = generate_run(seed=6)
    stances = detect_stances(run.track)
    summary = summarize(run.track, measure_stances(run.track, stances))
    assert plausibility_flags(summary) == []
    if field == "cadence_spm":
        odd = replace(summary, cadence_spm=value)
    else:
        metric = "cpd_midstance_deg" if field == "cpd" else "step_width_ratio"
        right = {**summary.per_side["right"], metric: MetricSummary.of([value] * 9)}
        odd = replace(summary, per_side={**summary.per_side, "right": right})
    flags = plausibility_flags(odd)
    assert [f.code for f in flags] == [code]
    assert f"{abs(value):.0f}" not in flags[0].message  # the reason never carries the withheld number
    assert status_of([code]) == LOW_CONFIDENCE


def test_far_apart_left_and_right_stance_counts_are_flagged():
    run = generate_run(seed=7)
    info = VideoInfo(path="s", container="none", fps=60.0, frames=run.track.n_frames, width=1080, height=1920)
    sides = ["left"] * 12 + ["right"] * 7
    quality = assess(info=info, track=run.track, disagreement=np.zeros(run.track.n_frames), stance_sides=sides)
    assert "unbalanced_stances" in {f.code for f in quality.flags}
    assert quality.status == LOW_CONFIDENCE
    balanced = assess(
        info=info,
        track=run.track,
        disagreement=np.zeros(run.track.n_frames),
        stance_sides=["left"] * 10 + ["right"] * 9,
    )
    assert balanced.status == MEASURABLE


def test_the_worst_flag_decides_the_state():
    assert status_of([]) == MEASURABLE
    assert status_of(["too_short", "low_visibility"]) == LOW_CONFIDENCE
    assert status_of(["too_short", "sideways_view"]) == NOT_MEASURABLE
    assert status_of(["multiple_people"]) == NOT_MEASURABLE
    assert status_of(["a_code_from_a_later_engine"]) == LOW_CONFIDENCE


def test_ci95_uses_the_t_distribution_on_the_stance_spread():
    # t(0.975, 9) = 2.262: ten stances with SD 2 deg pin the mean to +/- 1.43 deg.
    assert ci95_half_width(2.0, 10) == pytest.approx(2.2622 * 2.0 / math.sqrt(10), abs=1e-3)
    assert ci95_half_width(2.0, 1) is None
    summary = MetricSummary.of([4.0, 6.0, 5.0, 7.0, 3.0])
    low, high = summary.ci95
    assert summary.mean == 5.0 and high - 5.0 == pytest.approx(5.0 - low)
    assert high - 5.0 == pytest.approx(2.7764 * summary.sd / math.sqrt(5), abs=1e-3)


def test_a_change_is_real_only_beyond_the_sdd_with_7_stances_per_side_on_both_results():
    assert SMALLEST_DETECTABLE_DIFFERENCE_DEG == 2.8
    assert change_beyond_noise(-3.5, stances=[9, 9, 8, 10]) is True
    assert change_beyond_noise(-2.5, stances=[9, 9, 8, 10]) is False
    assert change_beyond_noise(-5.0, stances=[9, 9, 6, 10]) is False
    assert change_beyond_noise(None, stances=[9, 9, 9, 9]) is None


def test_the_real_side_view_clip_is_not_measurable_and_the_cli_prints_the_reason_without_a_table(analysed):
    result = analysed(SPORTS2D)  # shared with test_real_video
    d = json.loads(result.to_json())
    assert d["quality"]["status"] == NOT_MEASURABLE
    assert d["summary"]["left"]["cpd_midstance_deg"]["mean"] is None
    assert d["summary"]["cadence_spm"] is None and d["summary"]["mean_cpd_deg"] is None
    printed = cli.format_summary(d)
    assert "NOT MEASURABLE" in printed and "filmed from the side" in printed
    for metric_word in ("CPD at midstance", "Mean CPD", "cadence:", "deg"):
        assert metric_word not in printed
