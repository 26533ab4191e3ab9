"""A corpus of bad uploads, built in code: each file, the name it is sent under and the reason
the clinician must read. Most are made from the real clips in tests/data (cut, stripped, corrupted).

Content decides: every case is refused for what its bytes are, whatever its name or header says.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
CAM03 = DATA / "pose2sim_cam03_posterior.mp4"  # ftyp, free, mdat, moov (index at the end)
SPORTS2D = DATA / "sports2d_demo_side_view.mp4"  # ftyp, moov, mdat (index first, "fast start")


@dataclass(frozen=True)
class BadUpload:
    key: str
    filename: str
    build: Callable[[], bytes]
    message: str  # a fragment of the reason shown to the clinician
    status: int = 400
    content_type: str = "video/mp4"
    declared_length: int | None = None  # a Content-Length header that lies about the body

    @functools.cached_property
    def content(self) -> bytes:
        return self.build()


# --- MP4 (ISO-BMFF) helpers ---------------------------------------------------------------


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def top_level_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of each top-level box of a well-formed file."""
    out, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        out.append((data[offset + 4 : offset + 8], offset, size))
        offset += size
    return out


def without_box(data: bytes, kind: bytes) -> bytes:
    return b"".join(data[o : o + s] for t, o, s in top_level_boxes(data) if t != kind)


def replace_box_payload(data: bytes, kind: bytes, fill: bytes) -> bytes:
    """Overwrite the payload of box ``kind`` (its header kept) with ``fill`` repeated."""
    for t, o, s in top_level_boxes(data):
        if t == kind:
            payload = (fill * (s // len(fill) + 1))[: s - 8]
            return data[: o + 8] + payload + data[o + s :]
    raise ValueError(kind)


@functools.cache
def cam03() -> bytes:
    return CAM03.read_bytes()


@functools.cache
def sports2d() -> bytes:
    return SPORTS2D.read_bytes()


FTYP = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")


def written_clip(*, fps: float, frames: int, size: tuple[int, int] = (64, 96)) -> bytes:
    """A real MP4 written by OpenCV: a grey picture with a moving bar (so frames differ)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        for i in range(frames):
            frame = np.full((size[1], size[0], 3), 90, dtype=np.uint8)
            frame[:, (i * 3) % size[0]] = 255
            writer.write(frame)
        writer.release()
        return path.read_bytes()


def image(ext: str) -> bytes:
    frame = np.full((48, 32, 3), 120, dtype=np.uint8)
    ok, encoded = cv2.imencode(ext, frame)
    assert ok, ext
    return encoded.tobytes()


def gif() -> bytes:
    # A 1x1 GIF89a (the smallest valid one).
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def elf() -> bytes:
    header = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 2, 62, 1)
    return header + b"\x00" * 200


def windows_exe() -> bytes:
    dos = b"MZ" + b"\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64)
    return dos + b"PE\x00\x00" + b"\x00" * 300


def zip_archive() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("clip.mp4", cam03()[:1000])
    return buffer.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def gzip_data() -> bytes:
    compressor = zlib.compressobj(wbits=31)  # gzip framing
    return compressor.compress(cam03()[:5000]) + compressor.flush()


def wav() -> bytes:
    samples = b"\x00\x00" * 8000
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def largesize_mdat() -> bytes:
    """An mdat whose 64-bit size field claims 8 GB, in a file of a few kilobytes."""
    index = next(cam03()[o : o + s] for t, o, s in top_level_boxes(cam03()) if t == b"moov")
    mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 8 * 1024**3) + b"\x00" * 2000
    return FTYP + index + mdat


def moov_payload_corrupted() -> bytes:
    return replace_box_payload(cam03(), b"moov", b"\xde\xad\xbe\xef")


def ftyp_name_corrupted() -> bytes:
    data = bytearray(cam03())
    data[4:8] = b"fxyz"
    return bytes(data)


CORPUS: list[BadUpload] = [
    # Nothing, or almost nothing.
    BadUpload("empty", "clip.mp4", lambda: b"", "empty (0 bytes)"),
    BadUpload("one_byte", "clip.mp4", lambda: b"\x00", "not a video"),
    BadUpload("zeros", "clip.mp4", lambda: b"\x00" * 4096, "not a video"),
    BadUpload("random_bytes", "clip.mp4", lambda: np.random.default_rng(7).bytes(64 * 1024), "not a video"),
    # Other kinds of file renamed .mp4 (the name and the content type say video).
    BadUpload("text", "notes.mp4", lambda: b"These are my running notes, not a video.\n" * 20, "text document"),
    BadUpload(
        "html",
        "clip.mp4",
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "web page (HTML)",
    ),
    BadUpload("php", "clip.mp4", lambda: b"<?php system($_GET['cmd']); ?>\n", "PHP script"),
    BadUpload(
        "svg_with_script",
        "clip.mp4",
        lambda: (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
        ),
        "SVG drawing",
    ),
    BadUpload("shell_script", "clip.mp4", lambda: b"#!/bin/sh\nrm -rf /\n", "script"),
    BadUpload("elf", "clip.mp4", elf, "program (ELF executable)"),
    BadUpload("windows_exe", "clip.mp4", windows_exe, "Windows program"),
    BadUpload("zip", "clip.mp4", zip_archive, "ZIP archive"),
    BadUpload("pdf", "clip.mp4", pdf, "PDF document"),
    BadUpload("gzip", "clip.mp4", gzip_data, "compressed (gzip)"),
    BadUpload("wav", "clip.mp4", wav, "sound recording (WAV)"),
    BadUpload(
        "mp3",
        "clip.mp4",
        lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 300,
        "sound recording (MP3)",
    ),
    BadUpload("jpeg", "clip.mp4", lambda: image(".jpg"), "still JPEG picture"),
    BadUpload("png", "clip.mp4", lambda: image(".png"), "still PNG picture"),
    BadUpload("gif", "clip.mp4", gif, "GIF picture"),
    BadUpload("bmp", "clip.mp4", lambda: image(".bmp"), "still BMP picture"),
    BadUpload("webp", "clip.mp4", lambda: image(".webp"), "still WebP picture"),
    BadUpload(
        "heic", "IMG_0001.mp4", lambda: box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + b"\x00" * 500, "HEIC/AVIF"
    ),
    # Video containers that are broken.
    BadUpload("webm_header_only", "clip.webm", lambda: b"\x1a\x45\xdf\xa3" + b"\x00" * 2000, "could not be opened"),
    BadUpload(
        "avi_header_only", "clip.avi", lambda: b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 2000, "could not be opened"
    ),
    BadUpload("truncated_in_ftyp", "clip.mp4", lambda: cam03()[:20], "cut short"),
    BadUpload("truncated_at_1kb", "clip.mp4", lambda: cam03()[:1024], "cut short"),
    BadUpload("truncated_at_half", "clip.mp4", lambda: cam03()[: len(cam03()) // 2], "cut short"),
    BadUpload("truncated_last_byte", "clip.mp4", lambda: cam03()[:-1], "cut short"),
    # The index comes first here, so the start of the clip still plays: only the structure tells.
    BadUpload("truncated_fast_start", "clip.mp4", lambda: sports2d()[: len(sports2d()) // 2], "cut short"),
    BadUpload("only_ftyp", "clip.mp4", lambda: FTYP, "no index"),
    BadUpload("moov_removed", "clip.mp4", lambda: without_box(cam03(), b"moov"), "no index"),
    BadUpload("mdat_removed", "clip.mp4", lambda: without_box(cam03(), b"mdat"), "no picture data"),
    BadUpload("zero_frames", "clip.mp4", lambda: written_clip(fps=30, frames=0), "no picture data"),
    BadUpload("ftyp_corrupted", "clip.mp4", ftyp_name_corrupted, "not a video"),
    BadUpload("moov_corrupted", "clip.mp4", moov_payload_corrupted, "damaged"),
    BadUpload(
        "box_size_too_small", "clip.mp4", lambda: FTYP + struct.pack(">I", 3) + b"moov" + b"\x00" * 100, "damaged"
    ),
    BadUpload("huge_declared_box", "clip.mp4", largesize_mdat, "8 GB"),
    # Polyglots: a video header with something else behind it.
    BadUpload("mp4_header_then_php", "clip.mp4", lambda: FTYP + b"<?php system($_GET['cmd']); ?>" * 10, "cut short"),
    BadUpload(
        "html_then_mp4", "clip.mp4", lambda: b"<html><script>alert(1)</script></html>" + cam03(), "web page (HTML)"
    ),
    BadUpload("gif_header_then_mp4", "clip.mp4", lambda: gif() + cam03(), "GIF picture"),
    # Real videos the analysis cannot use, told at upload.
    BadUpload("one_frame", "clip.mp4", lambda: written_clip(fps=60, frames=1), "single picture"),
    BadUpload("ten_fps", "clip.mp4", lambda: written_clip(fps=10, frames=120), "filmed at 10 frames per second"),
    BadUpload("half_a_second", "clip.mp4", lambda: written_clip(fps=60, frames=30), "lasts 0.5 s"),
    BadUpload(
        "four_minutes",
        "clip.mp4",
        lambda: written_clip(fps=15, frames=15 * 240, size=(32, 32)),
        "longest accepted is 180 s",
    ),
    # A body announced as 2 GB: refused from the header, before it is read.
    BadUpload("declared_2gb", "clip.mp4", cam03, "largest accepted is 1 GB", status=413, declared_length=2 * 1024**3),
]
