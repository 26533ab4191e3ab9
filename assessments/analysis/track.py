"""The pose track: per-frame landmarks in pixels, the hand-off between pose estimation and gait maths.

Everything downstream of pose (events, metrics, quality) takes a ``PoseTrack``; the synthetic
generator produces one too, so the maths is tested without video (MEASUREMENT.md, "Ground truth").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np

View = Literal["posterior", "anterior"]
Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
N_LANDMARKS = 33


class Landmark(IntEnum):
    """MediaPipe Pose landmark indices used by the clinic (MEASUREMENT.md, "Pose")."""

    NOSE = 0
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# The athlete's own left and right, per joint: {"hip": {"left": 23, "right": 24}, ...}.
JOINTS: dict[str, dict[Side, int]] = {
    "shoulder": {"left": Landmark.LEFT_SHOULDER, "right": Landmark.RIGHT_SHOULDER},
    "hip": {"left": Landmark.LEFT_HIP, "right": Landmark.RIGHT_HIP},
    "knee": {"left": Landmark.LEFT_KNEE, "right": Landmark.RIGHT_KNEE},
    "ankle": {"left": Landmark.LEFT_ANKLE, "right": Landmark.RIGHT_ANKLE},
    "heel": {"left": Landmark.LEFT_HEEL, "right": Landmark.RIGHT_HEEL},
    "foot_index": {"left": Landmark.LEFT_FOOT_INDEX, "right": Landmark.RIGHT_FOOT_INDEX},
}

# Index pairs swapped when MediaPipe's left/right labels must be exchanged (all 33 landmarks).
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (31, 32),
)


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of one athlete over a clip, in pixel coordinates (y grows downwards).

    ``landmarks``: float array (n_frames, 33, 3) of x_px, y_px, visibility in [0, 1];
    rows are NaN where no person was detected. ``frame_index`` holds the clip's own frame
    numbers (pose may run on a decimated subset); ``time_s`` their times in the clip.
    Left/right always mean the athlete's own sides, already made consistent with ``view``.
    """

    landmarks: np.ndarray
    frame_index: np.ndarray
    time_s: np.ndarray
    fps: float  # of the clip itself, not of the pose samples
    width: int
    height: int
    view: View = "posterior"

    def __post_init__(self) -> None:
        n = len(self.frame_index)
        if self.landmarks.shape != (n, N_LANDMARKS, 3):
            raise ValueError(f"landmarks must be ({n}, {N_LANDMARKS}, 3), got {self.landmarks.shape}")
        if len(self.time_s) != n:
            raise ValueError("time_s and frame_index must have the same length")

    @property
    def n_frames(self) -> int:
        return len(self.frame_index)

    @property
    def regular(self) -> bool:
        """Samples evenly spaced in time (every interval within 10% of the median one).

        Phones drop frames in low light and write variable frame rates; their samples are then
        uneven and the filters and events work from ``time_s`` (filtering.py, events.py).
        """
        if self.n_frames < 3:
            return True
        dt = np.diff(self.time_s)
        median = float(np.median(dt))
        return bool(median > 0 and np.all(np.abs(dt - median) <= 0.1 * median))

    @property
    def sample_fps(self) -> float:
        """Rate of the pose samples (the clip's fps unless frames were decimated); for uneven
        samples, one over their median interval."""
        if self.n_frames < 2:
            return self.fps
        if not self.regular:
            return float(1.0 / np.median(np.diff(self.time_s)))
        return float(self.fps / np.median(np.diff(self.frame_index)))

    @property
    def detected(self) -> np.ndarray:
        return ~np.isnan(self.landmarks[:, Landmark.LEFT_HIP, 0])

    def xy(self, joint: str, side: Side) -> np.ndarray:
        """(n_frames, 2) pixel positions of one joint of the athlete's ``side``."""
        return self.landmarks[:, JOINTS[joint][side], :2]

    def visibility(self, joint: str, side: Side) -> np.ndarray:
        return self.landmarks[:, JOINTS[joint][side], 2]
