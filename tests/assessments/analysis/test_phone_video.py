"""The clip as a player shows it (issue 12): upright per the display matrix, timed by each frame's
own timestamp, the default video stream, the video stream's own length, slow motion in real time.

Each phone-style variant of cam03 is compared with cam03 itself. Pose runs only on the first
``POSED`` frames of each clip (enough for the per-frame comparison) and once per session.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from assessments.analysis import pose as pose_mod
from assessments.analysis.metrics import pelvic_obliquity_deg
from assessments.analysis.video import (
    NoVideoTrackError,
    VideoError,
    VideoLimits,
    VideoOverLimitError,
    iter_timed_frames,
    probe,
)
from tests.assessments.phone_clips import pts_times

from .conftest import CAM03

POSED = 72  # frames posed per clip: 1.2 s of cam03, past the trackers' first settling
UPRIGHT = ["rot90_mp4", "rot180_mp4", "rot270_mp4", "rot90_hevc_mov", "rot270_hevc_mov"]
SAME_PICTURES = [*UPRIGHT, "two_streams_mp4", "long_audio_mkv", "slow_motion_mp4"]


def first_frame(path, **probe_args) -> np.ndarray:
    return next(iter_timed_frames(probe(path, **probe_args), stop=1))[2]


@pytest.fixture(scope="session")
def cam03_first_frame() -> np.ndarray:
    return first_frame(CAM03)


_OBLIQUITY: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def obliquity_by_time(path, key: str, **probe_args) -> tuple[np.ndarray, np.ndarray]:
    """(frame times from the first frame, per-frame pelvic obliquity) of the first POSED frames,
    cached per session. Matroska stores milliseconds, so its first frame may sit a few ms in."""
    if key not in _OBLIQUITY:
        info = probe(path, **probe_args)
        raw = pose_mod.run_streams(
            iter_timed_frames(info, stop=POSED), width=info.width, height=info.height, fps=info.fps
        )
        track = pose_mod.fuse(raw, info=info, view="posterior").track
        _OBLIQUITY[key] = (track.time_s - track.time_s[0], pelvic_obliquity_deg(track))
    return _OBLIQUITY[key]


def compare_with_cam03(path, key: str, **probe_args) -> tuple[float, float, int]:
    """Median and p90 |difference| of per-frame obliquity against cam03's frame at the same time
    (within 3 ms), and how many frames were compared."""
    t0, ob0 = obliquity_by_time(CAM03, "cam03")
    t1, ob1 = obliquity_by_time(path, key, **probe_args)
    nearest = np.clip(np.searchsorted(t0, t1), 1, len(t0) - 1)
    nearest = np.where(np.abs(t0[nearest - 1] - t1) < np.abs(t0[nearest] - t1), nearest - 1, nearest)
    same = np.abs(t0[nearest] - t1) <= 0.003
    diff = np.abs(ob0[nearest[same]] - ob1[same])
    diff = diff[np.isfinite(diff)]
    assert len(diff), "no frame of the variant lines up in time with the original"
    return float(np.median(diff)), float(np.percentile(diff, 90)), len(diff)


@pytest.mark.parametrize("key", UPRIGHT)
def test_rotated_phone_clip_is_decoded_upright(phone_clips, cam03_first_frame, key):
    info = probe(phone_clips[key])
    assert info.rotation in (90, 180, 270)
    # video_meta and the landmarks' pixel frame are the upright size, not the stored one.
    assert (info.width, info.height) == (1088, 1920)
    frame = first_frame(phone_clips[key])
    assert frame.shape == cam03_first_frame.shape
    assert np.abs(frame.astype(int) - cam03_first_frame).mean() < 3.0


@pytest.mark.parametrize("key", [*UPRIGHT, "vfr_mp4", "two_streams_mp4", "long_audio_mkv", "slow_motion_mp4"])
def test_each_variant_matches_the_original_per_frame_obliquity(phone_clips, key):
    median, p90, n = compare_with_cam03(phone_clips[key], key)
    print(f"{key}: per-frame obliquity vs cam03 over {n} frames: median {median:.3f} deg, p90 {p90:.3f} deg")
    assert n >= POSED * 0.7
    assert median <= 0.5, (median, p90)
    assert p90 <= 2.0, (median, p90)


@pytest.mark.parametrize(
    ("key", "stream", "scale"),
    [
        ("vfr_mp4", "v:0", 1.0),
        ("two_streams_mp4", "v:1", 1.0),
        ("long_audio_mkv", "v:0", 1.0),
        ("rot270_hevc_mov", "v:0", 1.0),
        ("slow_motion_mp4", "v:0", 0.5),
    ],
)
def test_frame_times_are_the_files_own_timestamps(phone_clips, key, stream, scale):
    info = probe(phone_clips[key])
    times = np.array([t for _i, t, _img in iter_timed_frames(info)])
    expected = np.array(pts_times(phone_clips[key], stream)) * scale
    assert len(times) == len(expected) == info.frames
    assert np.abs(times - expected).max() <= 0.002


def test_variable_frame_rate_clip_keeps_the_gaps_of_its_dropped_frames(phone_clips):
    times = np.array([t for _i, t, _img in iter_timed_frames(probe(phone_clips["vfr_mp4"]))])
    steps = np.round(np.diff(times) * 60).astype(int)
    # Frames were dropped irregularly from a 60 fps clip (1 in 7, 1 in 11): steps of 1, 2 or 3 frames.
    assert set(steps) == {1, 2, 3}
    assert np.abs(np.diff(times) * 60 - steps).max() < 0.12
    assert times[-1] == pytest.approx(99 / 60, abs=0.002)  # not frames / average fps


def test_the_default_stream_is_analysed_not_the_first(phone_clips, cam03_first_frame):
    info = probe(phone_clips["two_streams_mp4"])
    assert (info.stream_index, info.video_streams) == (1, 2)
    frame = first_frame(phone_clips["two_streams_mp4"])
    assert np.abs(frame.astype(int) - cam03_first_frame).mean() < 3.0
    assert np.abs(frame.astype(int) - cam03_first_frame[:, ::-1]).mean() > 10.0  # not the mirrored stream 0


def test_duration_and_frame_count_come_from_the_video_stream_not_the_long_audio(phone_clips):
    info = probe(phone_clips["long_audio_mkv"])
    assert info.container == "mkv"
    assert info.frames == 100
    assert info.duration_s == pytest.approx(100 / 60)


@pytest.mark.parametrize("key", ["audio_only_mp4", "audio_only_mov"])
def test_audio_only_file_has_no_video_track(phone_clips, key):
    with pytest.raises(NoVideoTrackError, match="has no video track"):
        probe(phone_clips[key])


def test_slow_motion_clip_is_timed_by_its_capture_rate_tag(phone_clips):
    info = probe(phone_clips["slow_motion_mp4"])
    assert (info.playback_fps, info.capture_fps, info.fps) == (30.0, 60.0, 60.0)
    assert info.duration_s == pytest.approx(100 / 60)  # the real run, not 3.3 s of playback


def test_declared_capture_rate_times_an_untagged_slow_motion_clip(phone_clips):
    untagged = probe(phone_clips["slow_motion_untagged_mp4"])
    assert (untagged.fps, untagged.duration_s) == (30.0, pytest.approx(100 / 30))
    declared = probe(phone_clips["slow_motion_untagged_mp4"], capture_fps=60.0)
    assert (declared.fps, declared.capture_fps) == (60.0, 60.0)
    times = [t for _i, t, _img in iter_timed_frames(declared, stop=4)]
    assert times == pytest.approx([0, 1 / 60, 2 / 60, 3 / 60], abs=0.002)


def test_capture_rate_below_the_playback_rate_is_refused_with_its_reason():
    with pytest.raises(VideoError, match="below the video's own frame rate") as err:
        probe(CAM03, capture_fps=30.0)
    assert err.value.code == "capture_fps"


@pytest.mark.serial  # times itself
@pytest.mark.parametrize(
    ("key", "code", "words"),
    [("huge", "too_many_pixels", "16384x8704 pixels"), ("fast", "fps_too_high", "1000 frames per second")],
)
def test_clip_over_the_limits_is_refused_from_its_metadata_before_decoding(over_limit_clips, key, code, words):
    t0 = time.perf_counter()
    with pytest.raises(VideoOverLimitError, match=words) as err:
        probe(over_limit_clips[key], limits=VideoLimits())
    # Decoding one 16384x8704 frame took 1.6-1.9 GB and seconds; the metadata alone is milliseconds.
    assert time.perf_counter() - t0 < 0.5
    assert err.value.code == code


def test_limits_count_pixels_per_second_and_frames():
    limits = VideoLimits(max_pixels_per_s=1088 * 1920 * 30, max_frames=None)
    with pytest.raises(VideoOverLimitError, match="million pixels per second"):
        probe(CAM03, limits=limits)
    with pytest.raises(VideoOverLimitError, match="holds more than 99 frames; the most accepted is 99"):
        probe(CAM03, limits=VideoLimits(max_frames=99))
    assert probe(CAM03, limits=VideoLimits()).frames == 100
