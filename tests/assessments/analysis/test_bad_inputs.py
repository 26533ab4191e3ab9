"""Unusable or doubtful clips: each is refused with its own code, or analysed and flagged (issue 3, "Bad inputs")."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from assessments.analysis.pipeline import analyse
from assessments.analysis.video import (
    NoPersonError,
    NotAVideoError,
    StillImageError,
    TooFewFramesError,
    VideoEmptyError,
    VideoError,
    VideoMissingError,
    VideoUnreadableError,
    probe,
)

from .conftest import CAM03, SPORTS2D, write_clip


@pytest.fixture(scope="module")
def ten_fps_clip(clip_dir: Path, cam03_frames) -> Path:
    return write_clip(clip_dir / "cam03_10fps.mp4", cam03_frames[::6], 10.0)


def refusal(path: Path) -> VideoError:
    with pytest.raises(VideoError) as info:
        analyse(path)
    assert info.value.message.endswith(".")
    assert "Traceback" not in info.value.message
    return info.value


def test_missing_file_is_refused_as_missing(tmp_path):
    err = refusal(tmp_path / "nothing_here.mp4")
    assert isinstance(err, VideoMissingError)
    assert err.code == "file_missing"


def test_empty_file_is_refused_as_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    err = refusal(path)
    assert isinstance(err, VideoEmptyError)
    assert err.code == "file_empty"


def test_text_file_renamed_mp4_is_refused_as_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("Athlete notes: left knee pain after 5 km.\n" * 20)
    err = refusal(path)
    assert isinstance(err, NotAVideoError)
    assert err.code == "not_a_video"
    assert "MP4" in err.message


def test_truncated_mp4_without_its_index_is_refused_as_unreadable(tmp_path):
    # cam03 keeps its index (moov) at the end: half the file has pictures but no index.
    data = CAM03.read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    err = refusal(path)
    assert isinstance(err, VideoUnreadableError)
    assert err.code == "unreadable"


def test_truncated_mp4_with_its_index_first_is_analysed_and_flagged_truncated(tmp_path):
    # Sports2D's index comes first (fast start), so a cut file opens but ends early.
    data = SPORTS2D.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: int(len(data) * 0.4)])
    result = analyse(path)
    codes = {f.code for f in result.quality.flags}
    assert "truncated" in codes
    assert result.frame_index[-1] < 0.6 * result.video["frames"]


@pytest.mark.parametrize(("ext", "name"), [(".png", "renamed.mp4"), (".jpg", "photo.mov")])
def test_still_image_renamed_as_a_video_is_refused_as_still_image(tmp_path, cam03_frames, ext, name):
    ok, buf = cv2.imencode(ext, cam03_frames[0])
    assert ok
    path = tmp_path / name
    path.write_bytes(buf.tobytes())
    err = refusal(path)
    assert isinstance(err, StillImageError)
    assert err.code == "still_image"


def test_one_frame_video_is_refused_as_a_single_picture(tmp_path, cam03_frames):
    path = write_clip(tmp_path / "one_frame.mp4", cam03_frames[:1], 60.0)
    err = refusal(path)
    assert isinstance(err, TooFewFramesError)
    assert err.code == "single_frame"
    with pytest.raises(TooFewFramesError):
        probe(path)


def test_video_without_a_person_is_refused_as_no_person(tmp_path):
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, 320, dtype=np.float32)[None, :, None]
    frames = [np.clip(ramp + rng.normal(0, 25, (240, 320, 3)) + 3 * k, 0, 255).astype(np.uint8) for k in range(30)]
    path = write_clip(tmp_path / "noise.mp4", frames, 30.0)
    err = refusal(path)
    assert isinstance(err, NoPersonError)
    assert err.code == "no_person"


def test_10_fps_video_is_analysed_but_flagged_low_fps(ten_fps_clip):
    result = analyse(ten_fps_clip)
    flags = {f.code: f.message for f in result.quality.flags}
    assert "low_fps" in flags
    assert "10 frames per second" in flags["low_fps"]
    assert not result.quality.ok
    assert result.detected.mean() > 0.9  # the numbers are still there
    assert np.isfinite(result.pelvic_obliquity_deg).any()


def test_sideways_view_is_flagged_with_a_plain_sentence(analysed):
    result = analysed(SPORTS2D)
    flag = next(f for f in result.quality.flags if f.code == "sideways_view")
    assert "from the side" in flag.message


def test_two_people_side_by_side_are_flagged_as_competing_for_the_track(clip_dir, cam03_frames):
    # The athlete next to a mirror copy of themselves: the direct and the mirror tracker lock onto
    # different people, which is what a second person in the picture does to the track.
    frames = []
    for f in cam03_frames:
        half = cv2.resize(f, (f.shape[1] // 2, f.shape[0] // 2), interpolation=cv2.INTER_AREA)
        frames.append(np.hstack([half, cv2.flip(half, 1)]))
    path = write_clip(clip_dir / "two_people.mp4", frames, 60.0)
    result = analyse(path)
    flags = {f.code: f.message for f in result.quality.flags}
    assert "multiple_people" in flags, result.quality.measures
    assert "More than one person" in flags["multiple_people"]
    # No phantom pelvis between the two: the track stays on one person's half of the picture.
    track = result.track
    mid_x = 0.5 * (track.xy("hip", "left")[:, 0] + track.xy("hip", "right")[:, 0])
    on_left = mid_x < track.width / 2
    assert max(on_left.mean(), 1 - on_left.mean()) > 0.9
    assert (np.abs(mid_x - track.width / 2) > 0.1 * track.width).mean() > 0.9
