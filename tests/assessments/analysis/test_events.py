"""Stance detection against synthetic runs with known contacts (MEASUREMENT.md, "Gait events")."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from assessments.analysis.events import Stance, detect_stances
from assessments.analysis.synthetic import SyntheticRun, SyntheticStance, generate_run

# A grid over frame rate, cadence, view, camera roll, noise and dropped frames; the less
# important factors rotate through their values so the grid stays small.
FPS = (30.0, 60.0, 120.0, 240.0)
VIEWS = ("posterior", "anterior")
ROLLS = (-5.0, 0.0, 5.0)
GRID = [
    {
        "fps": fps,
        "view": view,
        "camera_roll_deg": roll,
        "cadence_spm": (150.0, 170.0, 190.0, 163.0)[k % 4],
        "noise_px": (0.5, 1.5, 2.5)[k % 3],
        "drop_rate": (0.0, 0.05, 0.1)[k % 3],
        "step_width_ratio": (0.1, -0.15, 0.3)[k % 3],
        "seed": k,
        "duration_s": 8.0,
    }
    for k, (fps, view, roll) in enumerate(itertools.product(FPS, VIEWS, ROLLS))
]
EDGE_S = 0.3  # stances this close to the clip's ends may be left out (filter edges, partial)


def _match(stance: Stance, run: SyntheticRun, tolerance_s: float) -> SyntheticStance | None:
    for truth in run.truth.stances:
        if truth.side == stance.side and abs(truth.contact_time_s - stance.contact_time_s) <= tolerance_s:
            return truth
    return None


def _truth(stance: Stance, run: SyntheticRun, tolerance_s: float) -> SyntheticStance:
    truth = _match(stance, run, tolerance_s)
    assert truth is not None, f"no true stance within {tolerance_s} s of {stance}"
    return truth


def _contact_tolerance_s(fps: float) -> float:
    # ~2 samples; at 240 fps a bridged gap over a heel strike may cost 10 ms, still well inside
    # the 20-25 ms of kinematic heel-strike timing (Fellin 2010).
    return max(2.0 / fps, 0.012)


@pytest.mark.parametrize("params", GRID, ids=lambda p: f"{p['fps']:.0f}fps-{p['view']}-roll{p['camera_roll_deg']:+.0f}")
def test_every_stance_found_and_none_invented_across_fps_view_roll_noise_drops(params: dict) -> None:
    run = generate_run(**params)
    stances = detect_stances(run.track)
    tolerance = _contact_tolerance_s(params["fps"])

    unmatched = [s for s in stances if _match(s, run, tolerance) is None]
    assert unmatched == [], f"invented or mistimed stances: {unmatched}"
    found = {_match(s, run, tolerance) for s in stances}
    end = float(run.track.time_s[-1])
    expected = run.truth.interior_stances(EDGE_S, end - EDGE_S)
    assert [t for t in expected if t not in found] == []
    assert len(stances) <= len(run.truth.stances)


@pytest.mark.parametrize("fps", FPS)
def test_contact_and_toe_off_within_one_sample_on_clean_runs(fps: float) -> None:
    run = generate_run(fps=fps, noise_px=0.5, seed=3)
    stances = detect_stances(run.track)
    assert len(stances) >= 20
    contact_err = [abs(s.contact_time_s - _truth(s, run, 2 / fps).contact_time_s) * fps for s in stances]
    toe_off_err = [abs(s.toe_off_time_s - _truth(s, run, 2 / fps).toe_off_time_s) * fps for s in stances]
    assert max(contact_err) <= 1.0
    assert max(toe_off_err) <= 1.5


def test_stance_frames_are_clip_frame_numbers_and_midstance_lies_between_contact_and_toe_off() -> None:
    run = generate_run(fps=60.0, seed=4)
    for s in detect_stances(run.track):
        truth = _truth(s, run, 2 / 60)
        assert abs(s.contact_frame - truth.contact_frame) <= 1
        assert abs(s.toe_off_frame - truth.toe_off_frame) <= 1
        assert abs(s.midstance_frame - truth.midstance_frame) <= 1
        assert s.contact_i < s.midstance_i < s.toe_off_i
        assert run.track.frame_index[s.midstance_i] == s.midstance_frame


def test_feet_alternate_left_right() -> None:
    run = generate_run(cadence_spm=180.0, fps=60.0, seed=5)
    sides = [s.side for s in detect_stances(run.track)]
    assert len(sides) >= 30
    assert all(a != b for a, b in itertools.pairwise(sides))


def test_decimated_track_reports_events_in_the_clips_own_frame_numbers() -> None:
    # Pose ran on every 4th frame of a 240 fps clip (MEASUREMENT.md, "Pose": decimated to ~60 fps).
    run = generate_run(fps=240.0, seed=6)
    track = run.track
    every4 = replace(
        track,
        landmarks=track.landmarks[::4],
        frame_index=track.frame_index[::4],
        time_s=track.time_s[::4],
    )
    stances = detect_stances(every4)
    assert len(stances) >= len(run.truth.interior_stances(EDGE_S, 12.0 - EDGE_S))
    for s in stances:
        truth = _match(s, run, 2 / 60)
        assert truth is not None
        assert abs(s.contact_frame - truth.contact_frame) <= 8  # 2 pose samples
        assert s.midstance_frame % 4 == 0


def test_no_stance_is_measured_inside_a_long_detection_gap() -> None:
    run = generate_run(fps=60.0, noise_px=1.0, seed=7)
    landmarks = run.track.landmarks.copy()
    hidden = next(s for s in run.truth.stances if s.contact_time_s > 4.0)
    gap = slice(hidden.contact_frame - 6, hidden.toe_off_frame + 6)  # 0.4 s: not bridged
    landmarks[gap] = np.nan
    stances = detect_stances(replace(run.track, landmarks=landmarks))

    assert all(_match(s, run, 2 / 60) is not None for s in stances)
    assert hidden not in {_match(s, run, 2 / 60) for s in stances}
    assert all(not (gap.start <= s.contact_i < gap.stop) for s in stances)
    # The stances on either side of the gap are still there.
    assert len(stances) >= len(run.truth.interior_stances(EDGE_S, 12.0 - EDGE_S)) - 3


def test_partial_stances_cut_by_the_clip_start_or_end_are_ignored() -> None:
    run = generate_run(fps=60.0, seed=8)
    track = run.track
    # Start and end the clip in the middle of a stance.
    first, last = run.truth.stances[2], run.truth.stances[-3]
    cut = slice(first.midstance_frame, last.midstance_frame + 1)
    clipped = replace(
        track, landmarks=track.landmarks[cut], frame_index=track.frame_index[cut], time_s=track.time_s[cut]
    )
    stances = detect_stances(clipped)
    assert stances
    assert all(first.contact_time_s < s.contact_time_s < last.contact_time_s for s in stances)
    assert all(_match(s, run, 2 / 60) is not None for s in stances)


def test_runner_standing_still_has_no_stances() -> None:
    run = generate_run(fps=60.0, seed=9)
    still = run.track.landmarks.copy()
    still[:] = run.track.landmarks[100]
    still[..., :2] += np.random.default_rng(0).normal(0.0, 1.0, still[..., :2].shape)
    assert detect_stances(replace(run.track, landmarks=still)) == []


def test_empty_short_or_undetected_tracks_give_no_stances_without_crashing() -> None:
    track = generate_run(duration_s=3.0, seed=10).track
    undetected = replace(track, landmarks=np.full_like(track.landmarks, np.nan))
    empty = replace(track, landmarks=track.landmarks[:0], frame_index=track.frame_index[:0], time_s=track.time_s[:0])
    short = replace(track, landmarks=track.landmarks[:20], frame_index=track.frame_index[:20], time_s=track.time_s[:20])
    assert detect_stances(undetected) == []
    assert detect_stances(empty) == []
    assert detect_stances(short) == []


def test_stances_with_low_hip_visibility_are_rejected() -> None:
    track = generate_run(duration_s=4.0, seed=11).track
    landmarks = track.landmarks.copy()
    landmarks[:, 23:25, 2] = 0.2  # MediaPipe unsure where the hips are
    assert len(detect_stances(track)) >= 8
    assert detect_stances(replace(track, landmarks=landmarks)) == []


def test_ankle_stands_in_for_an_unseen_heel_and_forefoot() -> None:
    run = generate_run(duration_s=6.0, seed=12)
    landmarks = run.track.landmarks.copy()
    landmarks[:, 29:33, 2] = 0.1  # heels and foot indices of low visibility
    stances = detect_stances(replace(run.track, landmarks=landmarks))
    assert len(stances) >= len(run.truth.interior_stances(EDGE_S, 6.0 - EDGE_S))
    assert all(_match(s, run, 3 / 60) is not None for s in stances)
