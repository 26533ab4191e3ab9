"""Left/right relabelling and mirror fusion of the MediaPipe adapter, on hand-made landmarks."""

from __future__ import annotations

import numpy as np

from assessments.analysis.pose import combine, fix_left_right, pose_stride, swap_sides, unmirror
from assessments.analysis.track import Landmark


def pose_with_hips(left_x: float, right_x: float, y_left: float = 500.0, y_right: float = 500.0) -> np.ndarray:
    lm = np.zeros((1, 33, 3))
    lm[..., 2] = 1.0
    lm[0, Landmark.LEFT_HIP, :2] = (left_x, y_left)
    lm[0, Landmark.RIGHT_HIP, :2] = (right_x, y_right)
    lm[0, Landmark.LEFT_SHOULDER, :2] = (left_x - 10, 200)
    lm[0, Landmark.RIGHT_SHOULDER, :2] = (right_x + 10, 200)
    return lm


def test_posterior_view_keeps_the_left_hip_on_the_image_left():
    wrong = pose_with_hips(600, 400)
    fixed = fix_left_right(wrong, "posterior")
    assert fixed[0, Landmark.LEFT_HIP, 0] == 400
    assert fixed[0, Landmark.RIGHT_HIP, 0] == 600
    np.testing.assert_array_equal(fix_left_right(fixed, "posterior"), fixed)


def test_anterior_view_puts_the_left_hip_on_the_image_right():
    fixed = fix_left_right(pose_with_hips(400, 600), "anterior")
    assert fixed[0, Landmark.LEFT_HIP, 0] == 600


def test_relabelling_swaps_every_pair_not_only_the_hips():
    lm = np.arange(33 * 3, dtype=float).reshape(1, 33, 3)
    swapped = swap_sides(lm)
    assert swapped[0, Landmark.LEFT_KNEE, 0] == lm[0, Landmark.RIGHT_KNEE, 0]
    assert swapped[0, 31, 0] == lm[0, 32, 0]
    assert swapped[0, 0, 0] == lm[0, 0, 0]  # the nose has no pair


def test_unmirror_flips_x_and_relabels_sides():
    lm = pose_with_hips(400, 600, y_left=510, y_right=490)
    back = unmirror(lm, 1000)
    assert back[0, Landmark.LEFT_HIP, 0] == 400  # was the right hip at 600 in the flipped picture
    assert back[0, Landmark.LEFT_HIP, 1] == 490


def test_combine_averages_both_trackers_and_keeps_the_one_that_found_the_person():
    a = pose_with_hips(400, 600)
    b = pose_with_hips(410, 610)
    nan = np.full_like(a, np.nan)
    np.testing.assert_allclose(combine(a, b)[0, Landmark.LEFT_HIP, 0], 405)
    np.testing.assert_array_equal(combine(nan, b), b)
    assert np.isnan(combine(nan, nan)).all()


def test_frames_above_60_fps_are_decimated_to_about_60():
    assert pose_stride(60) == 1
    assert pose_stride(30) == 1
    assert pose_stride(120) == 2
    assert pose_stride(240) == 4
