"""Whole-clip geometric changes applied to a pose track: the metamorphic tests of MEASUREMENT.md.

"Ground truth for tests": rotate the clip by a degrees, or mirror it left-right, and compare.
Used by the synthetic generator (camera roll) and by tests of real tracks.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .track import LEFT_RIGHT_PAIRS, PoseTrack


def mirror_track(track: PoseTrack) -> PoseTrack:
    """The track of the left-right mirrored clip, with the view unchanged (MEASUREMENT.md,
    "Ground truth": mirror -> left and right values swap).

    x -> width - x, and left/right labels exchanged, since the pose step re-labels sides from
    the image positions and the declared view.
    """
    landmarks = track.landmarks.copy()
    landmarks[..., 0] = track.width - landmarks[..., 0]
    for a, b in LEFT_RIGHT_PAIRS:
        landmarks[:, [a, b]] = landmarks[:, [b, a]]
    return replace(track, landmarks=landmarks)


def roll_track(track: PoseTrack, roll_deg: float) -> PoseTrack:
    """The track of the clip rotated by ``roll_deg`` about the image centre (y down, so a
    positive angle lowers the image-right side, adding ``roll_deg`` to the pelvic obliquity)."""
    landmarks = track.landmarks.copy()
    cx, cy = track.width / 2.0, track.height / 2.0
    a = np.radians(roll_deg)
    x, y = track.landmarks[..., 0] - cx, track.landmarks[..., 1] - cy
    landmarks[..., 0] = cx + x * np.cos(a) - y * np.sin(a)
    landmarks[..., 1] = cy + x * np.sin(a) + y * np.cos(a)
    return replace(track, landmarks=landmarks)
