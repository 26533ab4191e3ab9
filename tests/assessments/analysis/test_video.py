"""Probing, container sniffing and frame decoding (video.py)."""

from __future__ import annotations

import numpy as np
import pytest

from assessments.analysis.video import NotAVideoError, StillImageError, iter_frames, probe, sniff_container

from .conftest import CAM03, SPORTS2D, write_clip


def test_probe_reads_size_rate_and_duration_of_the_posterior_clip():
    info = probe(CAM03)
    assert (info.width, info.height, info.fps, info.frames) == (1088, 1920, 60.0, 100)
    assert info.container == "mp4"
    assert info.duration_s == pytest.approx(100 / 60)


@pytest.mark.parametrize(("fourcc", "name", "container"), [("VP80", "clip.webm", "webm"), ("MJPG", "clip.avi", "avi")])
def test_webm_and_avi_clips_are_recognised(tmp_path, fourcc, name, container):
    frames = [np.full((64, 48, 3), 10 * k, np.uint8) for k in range(5)]
    info = probe(write_clip(tmp_path / name, frames, 30.0, fourcc))
    assert info.container == container
    assert info.frames == 5


def test_heic_photo_is_a_still_image_and_random_bytes_are_not_a_video():
    with pytest.raises(StillImageError):
        sniff_container(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    with pytest.raises(NotAVideoError):
        sniff_container(b"\x00\x01\x02\x03 not a container at all")


@pytest.mark.parametrize(("path", "start"), [(CAM03, 50), (SPORTS2D, 117)])
def test_decoding_from_the_middle_gives_the_same_frames_as_decoding_from_the_start(path, start):
    info = probe(path)
    sequential = dict(iter_frames(info, stop=start + 4))
    seeked = dict(iter_frames(info, start=start, stop=start + 4))
    assert sorted(seeked) == list(range(start, start + 4))
    for i, frame in seeked.items():
        np.testing.assert_array_equal(frame, sequential[i])


def test_decoding_with_a_step_yields_the_clips_own_frame_numbers():
    info = probe(CAM03)
    assert [i for i, _ in iter_frames(info, step=3)] == list(range(0, 100, 3))
