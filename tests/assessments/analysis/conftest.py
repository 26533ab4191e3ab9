"""Real clips and clips derived from them (rotated, half size, mirrored, bad inputs), built once per session.

Pose runs are cached per session: each clip is analysed once and shared by the tests that
read it, which keeps the video tests to a couple of minutes on two cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")

DATA = Path(__file__).resolve().parents[2] / "data"
CAM03 = DATA / "pose2sim_cam03_posterior.mp4"
CAM01 = DATA / "pose2sim_cam01_anterior_oblique.mp4"
SPORTS2D = DATA / "sports2d_demo_side_view.mp4"


def read_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def write_clip(path: Path, frames: Iterable[np.ndarray], fps: float, fourcc: str = "mp4v") -> Path:
    frames = list(frames)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc}"
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def rotate(frame: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the centre; positive = counter-clockwise as seen on screen (OpenCV convention)."""
    h, w = frame.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="session")
def cam03_frames() -> list[np.ndarray]:
    return read_frames(CAM03)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def derived_clip(clip_dir: Path, cam03_frames: list[np.ndarray]) -> Callable[[str], Path]:
    """Clips made from cam03 by a geometric change, written once: ``derived_clip("mirrored")``."""
    makers: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "reencoded": lambda f: f,
        "rotated5": lambda f: rotate(f, 5.0),
        "half": lambda f: cv2.resize(f, (f.shape[1] // 2, f.shape[0] // 2), interpolation=cv2.INTER_AREA),
        "mirrored": lambda f: cv2.flip(f, 1),
    }
    cache: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in cache:
            cache[name] = write_clip(clip_dir / f"cam03_{name}.mp4", (makers[name](f) for f in cam03_frames), 60.0)
        return cache[name]

    return make


@pytest.fixture(scope="session")
def analysed() -> Callable[..., object]:
    """``analysed(path, view="posterior")``: the AnalysisResult, computed once per session."""
    from assessments.analysis.pipeline import analyse

    cache: dict[tuple, object] = {}

    def run(path: Path, view: str = "posterior"):
        key = (str(path), view)
        if key not in cache:
            cache[key] = analyse(path, view)
        return cache[key]

    return run
