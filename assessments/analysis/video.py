"""Open, probe and decode a clip with OpenCV, refusing unusable files with a plain-English reason.

MEASUREMENT.md, "Input" and "Quality gate": any common container (MP4/MOV/WebM/AVI); a file
that is not a video, cannot be read or holds fewer than two frames is refused here, before any
pose estimation. A low frame rate is only flagged (by quality.py), never refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the clip (frame count checked against decoding)."""

    path: str
    container: str
    fps: float
    frames: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps > 0 else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        d["duration_s"] = round(self.duration_s, 4)
        return d


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
    raise NotAVideoError("This file is not a video the clinic can read; please upload an MP4, MOV, WebM or AVI clip.")


def _not_a_video(what: str) -> NotAVideoError:
    return NotAVideoError(f"This file is {what}, not a video; please upload an MP4, MOV, WebM or AVI clip of the run.")


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


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Check that ``path`` is a readable clip with at least two frames and return its properties."""
    p = Path(path)
    if not p.is_file():
        raise VideoMissingError("The video file could not be found; please upload it again.")
    if p.stat().st_size == 0:
        raise VideoEmptyError(
            "The video file is empty (0 bytes), so the upload probably failed; please upload it again."
        )
    with p.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    container = sniff_container(head)

    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
    try:
        if not cap.isOpened():
            raise VideoUnreadableError(
                "The video could not be opened: the file is damaged or incomplete, so please export or upload it again."
            )
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        # Decode the first two frames: a file can open yet hold no decodable picture (truncated).
        decoded = 0
        for _ in range(MIN_FRAMES):
            ok = cap.grab()
            if not ok:
                break
            if decoded == 0:
                # Phone clips often carry a rotation tag that OpenCV applies when decoding; the
                # decoded picture, not the container's coded size, is what landmarks refer to.
                ok, first = cap.retrieve()
                if ok and first is not None:
                    height, width = first.shape[:2]
            decoded += 1
        if decoded == 0:
            raise VideoUnreadableError(
                "No picture could be read from the video: the file is damaged or incomplete, so please upload it again."
            )
        if decoded < MIN_FRAMES or frames == 1:
            raise TooFewFramesError(
                "The video holds a single picture; please record a clip of at least 10 seconds of running."
            )
    finally:
        cap.release()
    if width <= 0 or height <= 0 or not np.isfinite(fps) or fps <= 0 or fps > 1000:
        raise VideoUnreadableError(
            "The video's size or frame rate could not be read: the file is damaged, so please export it again."
        )
    info = VideoInfo(path=str(p), container=container, fps=fps, frames=max(frames, decoded), width=width, height=height)
    if frames <= 0:
        # Some WebM/MKV files carry no frame count: count by decoding (cheap without conversion).
        info = VideoInfo(
            path=str(p), container=container, fps=fps, frames=count_frames(info), width=width, height=height
        )
    return info


def iter_frames(
    info: VideoInfo, *, start: int = 0, stop: int | None = None, step: int = 1
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame_number, bgr_image)`` for frames ``start, start+step, ... < stop``.

    Every frame is decoded (inter-frame codecs need it) but only the yielded ones are converted
    to BGR, which is most of the per-frame cost at 1080p. Decoding stops quietly at the real end
    of the stream, which may come before the frame count the container announced.
    """
    cap = cv2.VideoCapture(info.path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    if not cap.isOpened():
        raise VideoUnreadableError("The video could not be opened: the file is damaged or incomplete.")
    try:
        index = 0
        if start > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
            index = round(cap.get(cv2.CAP_PROP_POS_FRAMES))
            if index != start:  # imprecise seek: rewind and skip frame by frame
                cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                index = 0
        while stop is None or index < stop:
            if not cap.grab():
                break
            if index >= start and (index - start) % step == 0:
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    break
                yield index, frame
            index += 1
    finally:
        cap.release()


def count_frames(info: VideoInfo) -> int:
    """Number of frames that really decode (the container's count can be wrong)."""
    cap = cv2.VideoCapture(info.path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    n = 0
    try:
        while cap.grab():
            n += 1
    finally:
        cap.release()
    return n
