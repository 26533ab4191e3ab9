"""The browser rendition (issue 12, item 3): which originals need one, and that it is upright
H.264 in MP4 with its index first, every frame at its original time."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from assessments.analysis.rendition import browser_playable, rendition_size, write_rendition
from assessments.analysis.video import probe
from tests.assessments.phone_clips import pts_times


@pytest.mark.parametrize(
    ("codec", "container", "playable"),
    [
        ("h264", "mp4", True),
        ("h264", "mov", True),
        ("vp9", "webm", True),
        ("av1", "mp4", True),
        ("hevc", "mov", False),
        ("hevc", "mp4", False),
        ("mpeg4", "avi", False),
        ("prores", "mov", False),
        ("h264", "avi", False),
        ("h264", "mkv", False),
    ],
)
def test_only_what_chromium_cannot_play_gets_a_rendition(codec, container, playable):
    assert browser_playable(codec=codec, container=container) is playable


def test_rendition_size_stays_within_1080p_and_even():
    assert rendition_size(1088, 1920) == (1080, 1906)
    assert rendition_size(3840, 2160) == (1920, 1080)
    assert rendition_size(641, 481) == (640, 480)  # odd sizes made even, never enlarged past 1080p


def test_hevc_mov_with_a_rotation_tag_becomes_upright_faststart_h264_with_the_same_frame_times(phone_clips, tmp_path):
    original = phone_clips["rot90_hevc_mov"]
    info = probe(original)
    assert info.codec == "hevc" and info.rotation == 90 and (info.width, info.height) == (1088, 1920)
    out = Path(write_rendition(info, tmp_path / "playback.mp4"))
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    with av.open(str(out)) as media:
        stream = media.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        first = next(media.decode(stream))
        # Upright pixels, no display matrix left to apply: portrait as stored.
        assert (first.width, first.height) == (1080, 1906) and not (first.rotation or 0)
    made, source = pts_times(out), pts_times(original)
    assert len(made) == len(source) == info.frames
    assert max(abs(a - b) for a, b in zip(made, source, strict=True)) < 0.002
