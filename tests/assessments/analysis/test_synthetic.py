"""The synthetic runner is a plausible figure whose truth can be read back from its own pixels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from assessments.analysis.synthetic import generate_run
from assessments.analysis.track import Landmark, View
from assessments.analysis.transforms import mirror_track, roll_track


def _cpd_from_pixels(landmarks: np.ndarray, side: str, i: int) -> float:
    left, right = landmarks[i, Landmark.LEFT_HIP, :2], landmarks[i, Landmark.RIGHT_HIP, :2]
    stance, swing = (left, right) if side == "left" else (right, left)
    return float(np.degrees(np.arctan2(swing[1] - stance[1], abs(swing[0] - stance[0]))))


@pytest.mark.parametrize("view", ["posterior", "anterior"])
def test_clean_run_has_the_requested_cpd_at_every_midstance(view: View) -> None:
    run = generate_run(cpd_left_deg=7.0, cpd_right_deg=2.0, noise_px=0.0, fps=240.0, view=view)
    for s in run.truth.stances:
        expected = run.truth.cpd_deg[s.side]
        assert _cpd_from_pixels(run.track.landmarks, s.side, s.midstance_frame) == pytest.approx(expected, abs=0.05)


def test_mid_hip_is_lowest_in_the_image_at_midstance() -> None:
    run = generate_run(noise_px=0.0, fps=120.0)
    mid_hip_y = run.track.landmarks[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 1].mean(axis=1)
    for s in run.truth.stances:
        stance = mid_hip_y[s.contact_frame : s.toe_off_frame + 1]
        assert s.contact_frame + int(np.argmax(stance)) == pytest.approx(s.midstance_frame, abs=1)


def test_stance_foot_is_on_the_belt_below_the_swing_foot_and_both_are_up_in_flight() -> None:
    run = generate_run(noise_px=0.0, fps=120.0, camera_roll_deg=0.0)
    heel_y = {
        "left": run.track.landmarks[:, Landmark.LEFT_HEEL, 1],
        "right": run.track.landmarks[:, Landmark.RIGHT_HEEL, 1],
    }
    ground = max(np.max(heel_y["left"]), np.max(heel_y["right"]))
    for s in run.truth.stances:
        other = "right" if s.side == "left" else "left"
        i = s.midstance_frame
        assert heel_y[s.side][i] > heel_y[other][i] + 100  # the swing heel is well up
        assert heel_y[s.side][i] > ground - 40
    flights = [
        (a.toe_off_time_s + b.contact_time_s) / 2
        for a, b in zip(run.truth.stances, run.truth.stances[1:], strict=False)
    ]
    for t in flights:
        i = round(t * 120.0)
        assert heel_y["left"][i] < ground - 30 and heel_y["right"][i] < ground - 30


def test_feet_alternate_at_the_requested_cadence() -> None:
    run = generate_run(cadence_spm=176.0, fps=60.0)
    contacts = [s.contact_time_s for s in run.truth.stances]
    sides = [s.side for s in run.truth.stances]
    assert all(a != b for a, b in itertools.pairwise(sides))
    assert 60.0 / np.mean(np.diff(contacts)) == pytest.approx(176.0, abs=1e-6)


def test_posterior_view_puts_the_athletes_left_on_the_image_left_and_anterior_on_the_right() -> None:
    posterior = generate_run(view="posterior", noise_px=0.0).track.landmarks
    anterior = generate_run(view="anterior", noise_px=0.0).track.landmarks
    assert (posterior[:, Landmark.LEFT_HIP, 0] < posterior[:, Landmark.RIGHT_HIP, 0]).all()
    assert (anterior[:, Landmark.LEFT_HIP, 0] > anterior[:, Landmark.RIGHT_HIP, 0]).all()


def test_camera_roll_rotates_every_point_about_the_image_centre() -> None:
    level = generate_run(noise_px=0.0, camera_roll_deg=0.0, seed=3)
    rolled = generate_run(noise_px=0.0, camera_roll_deg=5.0, seed=3)
    assert np.allclose(roll_track(level.track, 5.0).landmarks[..., :2], rolled.track.landmarks[..., :2])
    centre = np.array([level.track.width / 2, level.track.height / 2])
    radius_level = np.linalg.norm(level.track.landmarks[..., :2] - centre, axis=-1)
    radius_rolled = np.linalg.norm(rolled.track.landmarks[..., :2] - centre, axis=-1)
    assert np.allclose(radius_level, radius_rolled)
    assert rolled.truth.cpd_image_deg == {"left": 6.0 + 5.0, "right": 4.0 - 5.0}


def test_noise_has_the_requested_pixel_spread() -> None:
    clean = generate_run(noise_px=0.0, seed=4).track.landmarks
    noisy = generate_run(noise_px=2.0, seed=4).track.landmarks
    assert np.std(noisy[..., :2] - clean[..., :2]) == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("fps", [30.0, 240.0])
def test_dropped_frames_match_the_rate_and_include_runs_of_consecutive_frames(fps: float) -> None:
    track = generate_run(drop_rate=0.1, fps=fps, seed=5).track
    dropped = ~track.detected
    assert dropped.mean() == pytest.approx(0.1, abs=0.01)
    assert (dropped[1:] & dropped[:-1]).any()
    assert np.isnan(track.landmarks[dropped]).all()


def test_mirror_track_swaps_sides_and_flips_x() -> None:
    track = generate_run(noise_px=0.0).track
    mirrored = mirror_track(track)
    assert np.allclose(
        mirrored.landmarks[:, Landmark.LEFT_HIP, 0], track.width - track.landmarks[:, Landmark.RIGHT_HIP, 0]
    )
    assert np.allclose(mirrored.landmarks[:, Landmark.LEFT_HIP, 1], track.landmarks[:, Landmark.RIGHT_HIP, 1])
    assert mirrored.view == track.view


def test_same_seed_gives_the_same_run() -> None:
    a = generate_run(noise_px=1.0, drop_rate=0.05, seed=6).track.landmarks
    b = generate_run(noise_px=1.0, drop_rate=0.05, seed=6).track.landmarks
    assert np.array_equal(a, b, equal_nan=True)
