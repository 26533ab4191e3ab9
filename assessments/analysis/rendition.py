"""A browser rendition of an original Chromium cannot play (issue 12, item 3).

Chromium plays H.264, VP8, VP9 and AV1 in MP4 (and MOV, the same ISO-BMFF family, which its
demuxer reads alike) and WebM; it applies the display matrix of an MP4/MOV itself. Anything
else (HEVC from iPhones, MPEG-4 Part 2 from older cameras, ProRes, AVI or Matroska files) gets
an upright H.264 MP4 with the index at the front (faststart), so the player starts before the
whole file has arrived. Frames keep their presentation times: a variable-rate phone clip plays
at its own pace.

Encoder: libx264 (GPL, bundled in the PyAV wheel; see README, "Video licences"). The wheel also
has libvpx-vp9 (BSD); measured on the bench clip it was several times slower at a comparable
quality (README), too slow for the worker, so H.264 stays.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2

from .video import VideoInfo, iter_timed_frames

BROWSER_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
BROWSER_CONTAINERS = frozenset({"mp4", "m4v", "mov", "webm"})
MAX_LONG_SIDE = 1920  # "1080p": the long side at most 1920, the short side at most 1080
MAX_SHORT_SIDE = 1080
CRF = 23
PRESET = "veryfast"
_TIME_BASE = Fraction(1, 90000)  # the MPEG clock: fine enough for 240 fps and irregular frame times

# Codec names as people know them, for the sentence on the result page.
CODEC_NAMES = {
    "hevc": "HEVC",
    "h264": "H.264",
    "mpeg4": "MPEG-4 Part 2",
    "prores": "ProRes",
    "mjpeg": "Motion JPEG",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "msmpeg4v3": "DivX (MS MPEG-4)",
    "mpeg2video": "MPEG-2",
}


def codec_label(codec: str) -> str:
    return CODEC_NAMES.get(codec, codec.upper() or "unknown")


def browser_playable(*, codec: str, container: str) -> bool:
    """Can Chromium show the original as it is (codec and container)?"""
    return codec in BROWSER_CODECS and container in BROWSER_CONTAINERS


def rendition_size(width: int, height: int) -> tuple[int, int]:
    """Upright output size within 1080p, even numbers (4:2:0 chroma needs them)."""
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, MAX_LONG_SIDE / long_side, MAX_SHORT_SIDE / short_side)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


HEARTBEAT_EVERY_S = 5.0


def write_rendition(
    info: VideoInfo, path: str | os.PathLike[str], *, heartbeat: Callable[[], None] | None = None
) -> str:
    """Encode the clip upright as H.264/MP4 (CRF 23, preset veryfast, faststart); no audio.

    The frames come from the engine's own demuxer (``iter_timed_frames``): upright per the display
    matrix, the default video stream, presentation times. Times are played back as filmed (a
    slow-motion clip stays slow, like its original). ``heartbeat`` is called every few seconds.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    width, height = rendition_size(info.width, info.height)
    scale = info.time_scale or 1.0
    fps = info.playback_fps or info.fps or 30.0
    with av.open(os.fspath(out), mode="w", format="mp4", options={"movflags": "+faststart"}) as media:
        stream = media.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = _TIME_BASE
        stream.codec_context.time_base = _TIME_BASE
        stream.options = {"crf": str(CRF), "preset": PRESET}
        last_pts = -1
        beat_at = time.monotonic()
        for _index, t, image in iter_timed_frames(info):
            if image.shape[1] != width or image.shape[0] != height:
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            pts = max(last_pts + 1, round(t / scale / _TIME_BASE))
            frame.pts, frame.time_base, last_pts = pts, _TIME_BASE, pts
            media.mux(stream.encode(frame))
            if heartbeat is not None and time.monotonic() - beat_at > HEARTBEAT_EVERY_S:
                heartbeat()
                beat_at = time.monotonic()
        media.mux(stream.encode(None))
    return os.fspath(out)
