"""Is an MP4/MOV file whole? Its top-level boxes (ISO/IEC 14496-12, section 4.2) are walked
before a clip is accepted for upload: a copy cut short, a box claiming gigabytes the file does
not hold, or a file without its index or picture data is refused with its reason.

The engine itself still analyses a cut clip as far as it decodes and flags it (quality.py);
this check is for the upload, where a cut file means the transfer failed and can be redone.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import BinaryIO

from .video import SNIFF_BYTES, VideoError, human_size, sniff_container

_BOX_TYPE = re.compile(rb"[\x20-\x7e\xa9]{4}")  # four printable characters (QuickTime allows ©)
_MAX_TOP_LEVEL_BOXES = 10_000


class VideoTruncatedError(VideoError):
    code = "truncated"


class VideoDamagedError(VideoError):
    code = "damaged"


class VideoNoIndexError(VideoError):
    code = "no_index"


class VideoNoPictureDataError(VideoError):
    code = "no_picture_data"


def check_whole(path: str | os.PathLike[str]) -> None:
    """Raise a ``VideoError`` if an MP4/MOV file is cut short, damaged, or lacks index or pictures.

    Other containers, and files that are not videos at all, pass through: ``probe`` names them.
    """
    p = Path(path)
    size = p.stat().st_size
    with p.open("rb") as fh:
        try:
            if sniff_container(fh.read(SNIFF_BYTES)) != "mp4":
                return
        except VideoError:
            return
        kinds, media_bytes = _walk(fh, size)
    if b"moov" not in kinds:
        raise VideoNoIndexError(
            "The video file has no index (its MP4 'moov' part is missing), which happens when a recording "
            "stops abruptly or a copy is cut short. Please export the clip again and upload it."
        )
    if media_bytes == 0:
        raise VideoNoPictureDataError(
            "The video file holds no picture data (its MP4 'mdat' part is missing or empty), so there is "
            "nothing to analyse. Please record or export the clip again."
        )


def _walk(fh: BinaryIO, size: int) -> tuple[set[bytes], int]:
    """The top-level box types and the bytes of picture data ('mdat') of a whole file."""
    kinds: set[bytes] = set()
    media_bytes = offset = 0
    for _ in range(_MAX_TOP_LEVEL_BOXES):
        if offset >= size:
            return kinds, media_bytes
        fh.seek(offset)
        header = fh.read(16)
        problem = _box_problem(header, offset, size)
        if problem is not None:
            if {b"moov", b"mdat"} <= kinds:
                # Bytes after a complete movie (some phones append a trailer): players ignore them.
                return kinds, media_bytes
            raise problem
        box_size, header_size, kind = _box_header(header, offset, size)
        kinds.add(kind)
        if kind == b"mdat":
            media_bytes += box_size - header_size
        offset += box_size
    raise VideoDamagedError(_damaged_at(offset))


def _box_header(header: bytes, offset: int, size: int) -> tuple[int, int, bytes]:
    box_size, kind = struct.unpack(">I4s", header[:8])
    if box_size == 1:  # a 64-bit size follows the type
        return struct.unpack(">Q", header[8:16])[0], 16, kind
    if box_size == 0:  # the box runs to the end of the file
        return size - offset, 8, kind
    return box_size, 8, kind


def _box_problem(header: bytes, offset: int, size: int) -> VideoError | None:
    if len(header) < 8 or (header[:4] == b"\x00\x00\x00\x01" and len(header) < 16):
        # The file ends inside a box header (fewer bytes were left than a header needs).
        declared = struct.unpack(">I", header[:4])[0] if len(header) >= 4 else 0
        return _cut_short(offset + declared if declared >= 8 else None, size)
    box_size, header_size, kind = _box_header(header, offset, size)
    if not _BOX_TYPE.fullmatch(kind) or box_size < header_size:
        return VideoDamagedError(_damaged_at(offset))
    if offset + box_size > size:
        return _cut_short(offset + box_size, size)
    return None


def _cut_short(declared: int | None, actual: int) -> VideoTruncatedError:
    advice = "so the upload or export probably stopped early. Please export the clip again and upload the whole file."
    if declared is None:
        return VideoTruncatedError(f"The video file is cut short: it ends in the middle of its MP4 structure, {advice}")
    should, holds = human_size(declared), human_size(actual)
    if should == holds:  # a few bytes short: say exactly how many
        should, holds = f"{declared:,} bytes", f"{actual:,} bytes"
    return VideoTruncatedError(
        f"The video file is cut short or damaged: it should hold {should} but holds {holds}, {advice}"
    )


def _damaged_at(offset: int) -> str:
    return (
        f"The video file is damaged: its MP4 structure is broken {offset:,} bytes in. "
        "Please export the clip again and upload it."
    )
