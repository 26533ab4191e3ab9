"""Open, probe and decode a clip as a player shows it, refusing unusable files with a plain-English reason.

MEASUREMENT.md, "Input" and "Quality gate": any common container (MP4/MOV/M4V/WebM/MKV/AVI); a
file that is not a video, has no video track, cannot be read or holds fewer than two frames is
refused here, before any pose estimation. A low frame rate is only flagged (by quality.py).

Decoding goes through PyAV (FFmpeg's own demuxers and decoders), not OpenCV, because phones
write what OpenCV's reader ignores (issue 12): a rotation tag / display matrix (portrait clips
stored as landscape pixels), variable frame rates (timestamps, not index / average fps), several
video streams (the default one is what a player shows), audio tracks longer than the video
(duration and frame count come from the video stream) and slow-motion capture rates. PyAV
decodes cam03 (1088x1920, 60 fps H.264) at least as fast as OpenCV did (bench.py, "decode").
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import av
import cv2
import numpy as np

# Containers the clinic accepts (MEASUREMENT.md, "Input").
_MP4_BOX_TYPES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
# ISO-BMFF brands that are still images (HEIC/AVIF photos from phones), not videos.
_IMAGE_BRANDS = {b"heic", b"heix", b"heif", b"mif1", b"msf1", b"avif", b"avis"}
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
# Other files people pick by mistake (or on purpose), named so the refusal says what the file is.
_OTHER_MAGIC = (
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program (EXE or DLL)"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "a ZIP archive (or an Office document)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "compressed (gzip) data"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"ID3", "a sound recording (MP3)"),
    (b"\xff\xfb", "a sound recording (MP3)"),
    (b"\xff\xf3", "a sound recording (MP3)"),
    (b"fLaC", "a sound recording (FLAC)"),
)
_TEXT_STARTS = (
    (b"<?php", "a PHP script"),
    (b"<!doctype html", "a web page (HTML)"),
    (b"<html", "a web page (HTML)"),
    (b"<script", "a web page (HTML)"),
    (b"<svg", "an SVG drawing"),
    (b"#!", "a script"),
)
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
MIN_FRAMES = 2
SNIFF_BYTES = 512  # enough to tell a web page or script from a video


class VideoError(Exception):
    """A clip the engine cannot analyse. ``code`` is stable for programs, ``message`` is for people."""

    code = "video_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class VideoMissingError(VideoError):
    code = "file_missing"


class VideoEmptyError(VideoError):
    code = "file_empty"


class NotAVideoError(VideoError):
    code = "not_a_video"


class StillImageError(VideoError):
    code = "still_image"


class VideoUnreadableError(VideoError):
    code = "unreadable"


class TooFewFramesError(VideoError):
    code = "single_frame"


class NoPersonError(VideoError):
    code = "no_person"


class NoVideoTrackError(VideoError):
    code = "no_video_track"


class VideoOverLimitError(VideoError):
    """Over one of ``VideoLimits``: refused from the metadata alone, before anything is decoded."""

    code = "over_limit"


@dataclass(frozen=True)
class VideoInfo:
    """The clip as a player shows it: upright size, real-time frame rate, the stream analysed.

    ``fps`` is frames per second of *real* time: the playback rate, or the capture rate of a
    slow-motion clip (``playback_fps`` is then lower). Frame times are presentation timestamps
    (``iter_timed_frames``) times ``time_scale``; ``frames / fps`` is the real duration.
    ``rotation`` is the display matrix's angle (degrees counter-clockwise, as ffprobe prints it)
    that turns the stored pixels upright; ``width`` and ``height`` are already upright.
    """

    path: str
    container: str
    fps: float
    frames: int
    width: int
    height: int
    rotation: int = 0
    stream_index: int = 0
    video_streams: int = 1
    codec: str = ""
    playback_fps: float = 0.0
    capture_fps: float | None = None

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps > 0 else 0.0

    @property
    def time_scale(self) -> float:
        """Real seconds per second of playback (below 1 for a slow-motion clip)."""
        return self.playback_fps / self.fps if self.playback_fps > 0 and self.fps > 0 else 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        d["duration_s"] = round(self.duration_s, 4)
        return d


@dataclass(frozen=True)
class VideoLimits:
    """What a clip may claim before anything is decoded. Issue 18: one frame of a 422 KB file of
    16384x8704 pixels takes 1.6 GB to decode, and a 32x32 clip at 1000 fps ties up the only
    worker for minutes. ``None`` switches a limit off."""

    max_side_px: int | None = 4096
    max_pixels_per_s: float | None = 3840 * 2160 * 60.0
    max_frames: int | None = 240 * 60
    max_fps: float | None = 240.0


def human_size(n_bytes: int) -> str:
    """A file size in words a clinician reads ("1.6 MB", "8 GB", "1 byte")."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}".replace(".0 ", " ")
    return "1 byte" if n_bytes == 1 else f"{n_bytes} bytes"


def sniff_container(head: bytes) -> str:
    """Name the container from the first bytes of the file, or raise if it is not a video.

    Magic numbers: ISO-BMFF (MP4/MOV) has a box type at bytes 4-8 (``ftyp`` first in files
    written by phones), Matroska/WebM starts with the EBML id 1A 45 DF A3, AVI is RIFF....AVI.
    """
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            kind = "GIF picture" if name == "GIF" else f"still {name} picture"  # a GIF may be animated
            raise StillImageError(f"This file is a {kind}, not a video; please upload a video clip of the run.")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise StillImageError("This file is a still WebP picture, not a video; please upload a video clip of the run.")
    if len(head) >= 12 and head[4:8] in _MP4_BOX_TYPES:
        if head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS:
            raise StillImageError(
                "This file is a still photo (HEIC/AVIF), not a video; please upload a video clip of the run."
            )
        if head[4:8] == b"ftyp" and head[8:12] in _AUDIO_BRANDS:
            raise _not_a_video("a sound recording (M4A)")
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return "avi"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        raise _not_a_video("a sound recording (WAV)")
    what = describe_other_file(head)
    if what:
        raise _not_a_video(what)
    raise NotAVideoError(
        "This file is not a video the clinic can read; please upload an MP4, MOV, WebM, MKV or AVI clip."
    )


def _not_a_video(what: str) -> NotAVideoError:
    return NotAVideoError(
        f"This file is {what}, not a video; please upload an MP4, MOV, WebM, MKV or AVI clip of the run."
    )


def describe_other_file(head: bytes) -> str | None:
    """What a file that is not a video is, from its first bytes, in words ("a PDF document")."""
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return what
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    for start, what in _TEXT_STARTS:
        if text.startswith(start):
            return what
    if text.startswith(b"<?xml"):
        return "an SVG drawing" if b"<svg" in text else "an XML document"
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sniffed bytes may end inside a character: judge the part before it.
        decoded = head[: exc.start].decode("utf-8") if exc.start >= len(head) - 3 else ""
    if decoded and all(ch.isprintable() or ch in "\r\n\t" for ch in decoded):
        return "a text document"
    return None


def container_type(head: bytes) -> str:
    """The file's own container type, for its stored name and Content-Type: mp4, mov, m4v, webm,
    mkv or avi (``sniff_container`` names only the family: ISO-BMFF, Matroska or AVI)."""
    family = sniff_container(head)
    if family == "mp4":
        brand = head[8:12] if head[4:8] == b"ftyp" else b""
        if brand == b"qt  " or (not brand and head[4:8] != b"ftyp"):
            return "mov"  # QuickTime: the "qt  " brand, or an old QuickTime file without a ftyp box
        return "m4v" if brand in (b"M4V ", b"M4VH", b"M4VP") else "mp4"
    if family == "matroska":
        # The EBML header's DocType element (id 42 82) says "webm" or "matroska".
        at = head.find(b"\x42\x82")
        return "webm" if at >= 0 and b"webm" in head[at : at + 16] else "mkv"
    return family


# Where phones write the capture rate of a slow-motion clip (QuickTime / MP4 metadata keys).
CAPTURE_FPS_TAGS = ("com.apple.quicktime.capture-fps", "com.android.capture.fps")
# A capture rate this much above the playback rate means the clip plays slowed down.
_SLOW_MOTION_RATIO = 1.05
MAX_CAPTURE_FPS = 1000.0


def probe(
    path: str | os.PathLike[str], *, limits: VideoLimits | None = None, capture_fps: float | None = None
) -> VideoInfo:
    """Check that ``path`` holds a readable video track of at least two frames; return its properties.

    ``limits`` are checked on the container's metadata before any frame is decoded; only then
    are two frames decoded (a file can open yet hold no decodable picture). ``capture_fps`` is the
    capture rate the uploader declared for a slow-motion clip; without it, the file's own
    capture-rate tag is used where it has one.
    """
    p = Path(path)
    if not p.is_file():
        raise VideoMissingError("The video file could not be found; please upload it again.")
    if p.stat().st_size == 0:
        raise VideoEmptyError(
            "The video file is empty (0 bytes), so the upload probably failed; please upload it again."
        )
    with p.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    container = container_type(head)

    with _open(p, metadata_only=True) as media:
        stream = default_video_stream(media)
        playback_fps = _stream_fps(stream)
        frames = int(stream.frames or 0)
        coded_w, coded_h = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        if frames <= 0:
            # Matroska/WebM store no frame count, and their duration is the longest track's (an
            # audio track may run on for minutes): count the video packets instead (demuxing
            # only, no decoding), stopping once past the limit.
            cap = None if limits is None or limits.max_frames is None else limits.max_frames + 1
            frames = _count_packets(media, stream, cap)
        tagged = _tagged_capture_fps(media, stream)
        n_streams = len(_video_streams(media))
        stream_index, codec = stream.index, stream.codec_context.name
    capture = capture_fps if capture_fps is not None else tagged
    if limits is not None:
        if coded_w <= 0 or coded_h <= 0 or playback_fps <= 0:
            # Decoding a frame to learn its size is what the limits are there to prevent.
            raise VideoUnreadableError(
                "The video's size or frame rate could not be read from the file: it is damaged or in an "
                "unusual format, so please export it again as MP4 or MOV."
            )
        check_limits(limits, width=coded_w, height=coded_h, fps=playback_fps, frames=frames)

    rotation, width, height, decoded = _first_frames(p, stream_index)
    if decoded == 0:
        raise VideoUnreadableError(
            "No picture could be read from the video: the file is damaged or incomplete, so please upload it again."
        )
    if decoded < MIN_FRAMES or frames == 1:
        raise TooFewFramesError(
            "The video holds a single picture; please record a clip of at least 10 seconds of running."
        )
    if width <= 0 or height <= 0 or not np.isfinite(playback_fps) or playback_fps <= 0 or playback_fps > 1000:
        raise VideoUnreadableError(
            "The video's size or frame rate could not be read: the file is damaged, so please export it again."
        )
    fps = playback_fps
    if capture is not None:
        if not (0 < capture <= MAX_CAPTURE_FPS):
            raise VideoError(
                f"A capture rate of {capture:g} frames per second is not possible; phones film slow motion at "
                "120, 240 or 960 fps.",
                code="capture_fps",
            )
        if capture < playback_fps / _SLOW_MOTION_RATIO:
            raise VideoError(
                f"The capture rate given ({capture:g} fps) is below the video's own frame rate "
                f"({playback_fps:.0f} fps), so the clip cannot be slow motion. Leave the capture rate empty, "
                "or give the rate the phone filmed at (for example 120 or 240).",
                code="capture_fps",
            )
        if capture > playback_fps * _SLOW_MOTION_RATIO:
            fps = float(capture)  # slow motion: each frame is 1/capture s of the real run
        else:
            capture = None
    return VideoInfo(
        path=str(p),
        container=container,
        fps=fps,
        frames=max(frames, decoded),
        width=width,
        height=height,
        rotation=rotation,
        stream_index=stream_index,
        video_streams=n_streams,
        codec=codec,
        playback_fps=playback_fps,
        capture_fps=capture,
    )


def check_limits(limits: VideoLimits, *, width: int, height: int, fps: float, frames: int) -> None:
    """Refuse a clip whose metadata is over ``limits`` (a side, pixels per second, frames, fps)."""
    advice = "Please export the clip from the phone at 4K or less, 240 fps or less, and trim it to 10-20 seconds."
    if limits.max_side_px is not None and max(width, height) > limits.max_side_px:
        raise VideoOverLimitError(
            f"The video is {width}x{height} pixels; the largest accepted is {limits.max_side_px} pixels on "
            f"each side. {advice}",
            code="too_many_pixels",
        )
    if limits.max_fps is not None and fps > limits.max_fps:
        raise VideoOverLimitError(
            f"The video plays at {fps:.0f} frames per second; the most accepted is {limits.max_fps:.0f}. "
            "For slow motion, export the clip at its playback rate (for example 30 fps) and give the "
            "capture rate on the form.",
            code="fps_too_high",
        )
    if limits.max_pixels_per_s is not None and width * height * fps > limits.max_pixels_per_s:
        raise VideoOverLimitError(
            f"The video holds {width * height * fps / 1e6:.0f} million pixels per second ({width}x{height} at "
            f"{fps:.0f} fps); the most accepted is {limits.max_pixels_per_s / 1e6:.0f} million (4K at 60 fps "
            f"or 1080p at 240 fps). {advice}",
            code="too_many_pixels_per_s",
        )
    if limits.max_frames is not None and frames > limits.max_frames:
        # A count stopped at the limit (Matroska: counted, not stored) is a lower bound.
        held = f"more than {limits.max_frames:,}" if frames == limits.max_frames + 1 else f"{frames:,}"
        raise VideoOverLimitError(
            f"The video holds {held} frames; the most accepted is {limits.max_frames:,}. {advice}",
            code="too_many_frames",
        )


# Decoder options while the streams are looked at: FFmpeg's stream probing decodes a frame or
# two unless told to skip them, and one frame of a 16384x8704 clip is 1.6 GB (issue 18).
_SKIP_DECODING = {"skip_frame": "all"}
_MAX_STREAMS = 64


class _open:
    """``av.open`` for reading, with FFmpeg's failures turned into a ``VideoUnreadableError``.

    ``metadata_only`` opens without decoding any frame (sizes, rates and counts still read).
    """

    def __init__(self, path: Path, *, metadata_only: bool = False) -> None:
        self.path = path
        self.stream_options = [_SKIP_DECODING] * _MAX_STREAMS if metadata_only else None

    def __enter__(self) -> av.container.InputContainer:
        try:
            # PyAV's stubs type stream_options as list[str]; FFmpeg takes one dict of options per stream.
            self.media = av.open(str(self.path), mode="r", metadata_errors="ignore", stream_options=self.stream_options)  # type: ignore[call-overload]  # PyAV overloads omit these keywords
        except (av.FFmpegError, OSError, ValueError) as exc:
            _raise_if_memory(exc)
            raise VideoUnreadableError(
                "The video could not be opened: the file is damaged or incomplete, so please export or upload it again."
            ) from exc
        return self.media

    def __exit__(self, *exc: object) -> None:
        self.media.close()


def _stream_at(media: av.container.InputContainer, index: int) -> av.VideoStream:
    return next(s for s in media.streams.video if s.index == index)


def _decoded(media: av.container.InputContainer, stream: av.VideoStream) -> Iterator[av.VideoFrame]:
    """The stream's frames in presentation order (``decode`` is typed for any kind of stream)."""
    return cast(Iterator[av.VideoFrame], media.decode(stream))


def _raise_if_memory(exc: Exception) -> None:
    """Out of memory is not a damaged file: let it through (the worker's memory cap names it)."""
    if isinstance(exc, MemoryError):
        raise exc


def _video_streams(media: av.container.InputContainer) -> list[av.VideoStream]:
    # A cover picture in a sound file is a "video stream" of one attached picture: not a video.
    return [s for s in media.streams.video if not s.disposition & av.stream.Disposition.attached_pic]


def default_video_stream(media: av.container.InputContainer) -> av.VideoStream:
    """The stream a player shows: the one marked default, else the first; a clear error if none."""
    streams = _video_streams(media)
    if not streams and not media.streams:
        # Nothing at all could be read from the file's index: damaged, not merely without pictures.
        raise VideoUnreadableError(
            "The video could not be opened: the file is damaged or incomplete, so please export or upload it again."
        )
    if not streams:
        only = "only sound" if media.streams.audio else "no pictures"
        raise NoVideoTrackError(
            f"This file has no video track (it holds {only}); please upload the video clip of the run."
        )
    defaults = [s for s in streams if s.disposition & av.stream.Disposition.default]
    return defaults[0] if defaults else streams[0]


def _stream_fps(stream: av.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0 and math.isfinite(float(rate)):
            return float(rate)
    return 0.0


def _tagged_capture_fps(media: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    for tags in (stream.metadata, media.metadata):
        for key in CAPTURE_FPS_TAGS:
            try:
                value = float(tags.get(key, ""))
            except ValueError:
                continue
            if 0 < value <= MAX_CAPTURE_FPS:
                return value
    return None


def _count_packets(media: av.container.InputContainer, stream: av.VideoStream, cap: int | None) -> int:
    n = 0
    try:
        for packet in media.demux(stream):
            if packet.size:  # the demuxer's final flush packet is empty
                n += 1
                if cap is not None and n >= cap:
                    break
    except av.FFmpegError as exc:
        _raise_if_memory(exc)  # a cut file: the packets up to the cut count
    return n


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Turn decoded pixels upright: ``rotation`` degrees counter-clockwise (the display matrix's)."""
    turn = (round(rotation / 90) % 4) if rotation else 0
    if turn == 1:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    if turn == 2:
        return cv2.rotate(image, cv2.ROTATE_180)
    if turn == 3:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    return image


def _rotation_of(frame: av.VideoFrame) -> int:
    # PyAV 18 reads the display matrix (stream or frame side data) into ``frame.rotation``.
    return round(float(getattr(frame, "rotation", 0) or 0)) % 360


def _first_frames(path: Path, stream_index: int) -> tuple[int, int, int, int]:
    """(rotation, upright width, upright height, frames decoded) from the first ``MIN_FRAMES`` frames."""
    rotation = width = height = decoded = 0
    with _open(path) as media:
        stream = _stream_at(media, stream_index)
        try:
            for frame in _decoded(media, stream):
                if decoded == 0:
                    rotation = _rotation_of(frame)
                    width, height = (
                        (frame.height, frame.width) if rotation in (90, 270) else (frame.width, frame.height)
                    )
                decoded += 1
                if decoded >= MIN_FRAMES:
                    break
        except av.FFmpegError as exc:
            _raise_if_memory(exc)  # decoded stays what it reached: 0 is unreadable, 1 is a single picture
    return rotation, width, height, decoded


def iter_timed_frames(
    info: VideoInfo,
    *,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    threads: bool = True,
    seek: bool = False,
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(frame_number, time_s, bgr_image)`` for frames ``start, start+step, ... < stop``.

    Frames are upright and in presentation order; ``time_s`` is the frame's presentation
    timestamp in real seconds (scaled for slow motion), so variable frame rates keep their true
    timing. Every frame is decoded (inter-frame codecs need it) but only the yielded ones are
    converted to BGR, most of the per-frame cost at 1080p. Decoding stops quietly at the real end
    of the stream (or where a damaged file stops decoding), which may come before the frame
    count the container announced.

    ``seek``: start decoding at the keyframe before ``start`` instead of at the first frame (a
    chunk of the clip, plan.py), with the same frame numbers and times as decoding from the start;
    where that cannot be guaranteed (timestamps missing or repeated) it decodes from the start.
    """
    scale = info.time_scale
    step_s = 1.0 / info.playback_fps if info.playback_fps > 0 else 0.0
    with _open(Path(info.path)) as media:
        stream = _stream_at(media, info.stream_index)
        if threads:
            stream.thread_type = "AUTO"  # frame and slice threads: see bench.py for the speed
        index = 0
        last: float | None = None
        frames: Iterator[av.VideoFrame] = _decoded(media, stream)
        if seek and start > 0:
            sought = _seek_before(media, stream, start)
            if sought is None:  # the file was read to its end to number the frames: open it again
                yield from iter_timed_frames(info, start=start, stop=stop, step=step, threads=threads)
                return
            frames, index, last = sought
        try:
            for frame in frames:
                if stop is not None and index >= stop:
                    break
                pts = frame.pts if frame.pts is not None else frame.dts
                t = float(pts * frame.time_base) if pts is not None and frame.time_base is not None else None
                if t is None or (last is not None and t <= last):
                    # No timestamp (some AVI files), or one that goes backwards: the next tick.
                    t = (last + step_s) if last is not None else 0.0
                last = t
                if index >= start and (index - start) % step == 0:
                    image = frame.to_ndarray(format="bgr24")
                    yield index, t * scale, _upright(image, info.rotation)
                index += 1
        except av.FFmpegError as exc:
            _raise_if_memory(exc)
            return


def iter_frames(
    info: VideoInfo, *, start: int = 0, stop: int | None = None, step: int = 1
) -> Iterator[tuple[int, np.ndarray]]:
    """``iter_timed_frames`` without the times: ``(frame_number, bgr_image)``, upright."""
    for index, _t, image in iter_timed_frames(info, start=start, stop=stop, step=step):
        yield index, image


def frame_times(info: VideoInfo, *, stop: int | None = None) -> np.ndarray:
    """Presentation times (real seconds) of the frames in decoding's own order, up to ``stop``."""
    return np.array([t for _i, t, _img in iter_timed_frames(info, stop=stop)])


def count_frames(info: VideoInfo) -> int:
    """Number of video packets in the stream (one frame each), found by demuxing without decoding."""
    with _open(Path(info.path)) as media:
        return _count_packets(media, _stream_at(media, info.stream_index), None)


def _presentation_times(media: av.container.InputContainer, stream: av.VideoStream) -> list[int] | None:
    """Every packet's pts in presentation order, or None when they cannot number the frames."""
    pts = []
    try:
        for packet in media.demux(stream):
            if packet.size:
                if packet.pts is None:
                    return None
                pts.append(int(packet.pts))
    except av.FFmpegError as exc:
        _raise_if_memory(exc)
        return None
    pts.sort()
    if any(b <= a for a, b in itertools.pairwise(pts)):
        return None
    return pts


def _seek_before(
    media: av.container.InputContainer, stream: av.VideoStream, start: int
) -> tuple[Iterator[av.VideoFrame], int, float | None] | None:
    """Decode from the keyframe before frame ``start``: (frames, number of the first one, time of
    the one before it). The frame number comes from the packets' presentation order, which is the
    order decoding from the start counts in. None: decode from the start instead."""
    pts = _presentation_times(media, stream)
    if pts is None or start >= len(pts):
        return None
    media.seek(pts[start], stream=stream, backward=True, any_frame=False)
    frames = _decoded(media, stream)
    try:
        first = next(frames)
    except (StopIteration, av.FFmpegError):
        return None
    position = {p: k for k, p in enumerate(pts)}
    index = position.get(first.pts) if first.pts is not None else None
    if index is None or index > start:
        return None  # the demuxer landed after the frame asked for, or on a frame it cannot place
    previous = float(pts[index - 1] * stream.time_base) if index > 0 and stream.time_base is not None else None

    def chained() -> Iterator[av.VideoFrame]:
        yield first
        yield from frames

    return chained(), index, previous
