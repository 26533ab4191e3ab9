"""Stream a private file through Django with HTTP range requests (RFC 9110 section 14), so a
video player can seek. Works on any storage backend: it opens, seeks and reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")  # ASCII digits only: \d also matches other scripts


# Beyond any file we store: a longer run of digits is read as this, so that int() never sees
# the thousands of digits it refuses (ValueError past 4300) or spends time on.
_FAR = 10**18


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return _FAR if len(digits) > len(str(_FAR)) else int(digits)


def parse_range(header: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """``(start, end)`` inclusive for one satisfiable range, None to send the whole file,
    "unsatisfiable" for a 416. Multi-range requests get the whole file (allowed by the RFC)."""
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = _position(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = _position(first)
    end = _position(last) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, min(end, size - 1)


def _read(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    with storage.open(name, "rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def ranged_file_response(
    request: HttpRequest, *, storage: Storage, name: str, content_type: str, filename: str = ""
) -> HttpResponseBase:
    """``filename`` is what a saved copy is called; the server chooses it (default: the stored name's last part)."""
    size = storage.size(name)
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted == "unsatisfiable":
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    if wanted is None:
        start, end, status = 0, size - 1, 200
    else:
        start, end = wanted
        status = 206
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(_read(storage, name, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Clinical media: never kept by shared caches, revalidated by the browser.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(False, filename or name.rsplit("/", 1)[-1])  # type: ignore[assignment]  # None only for an empty name
    return response


def is_first_read(request: HttpRequest) -> bool:
    """A player sends many range requests per viewing; audit the one that starts at byte 0."""
    wanted = request.headers.get("Range", "")
    return not wanted or bool(re.match(r"^bytes=0-", wanted.strip()))
