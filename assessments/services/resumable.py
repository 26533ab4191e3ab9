"""Resumable upload of a clip over the tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload):
core, creation, expiration, checksum and termination. The HTTP side is ``assessments/api/uploads.py``.

No maintained tus server for Django could be installed here (see README, "Resumable uploads"), so
this is the protocol's small core: an upload is a row plus a private part file that grows by
appends at the offset the client states. When the last byte is in, the part goes through the
normal ``assessment_create`` (same checks, messages, limits, audit) and is deleted.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from assessments.models import ResumableUpload
from assessments.services.self_checks import self_check_create, validate_can_send_self_check
from assessments.services.upload import (
    UploadTooLarge,
    assessment_create,
    max_upload_bytes,
    parse_capture_fps,
    validate_can_upload,
)
from patients.models import Visit

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,checksum,termination"
# The checksum extension requires sha1; the others cost nothing more with hashlib.
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
_READ_CHUNK = 1024 * 1024


class TusError(Exception):
    """A refusal with its HTTP status (409 wrong offset, 412 version, 460 checksum, ...) and a reason."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(message)


def part_path(upload: ResumableUpload) -> Path:
    return Path(settings.ASSESSMENT_RESUMABLE_DIR) / f"{upload.id}.part"


def expire_after() -> timedelta:
    return timedelta(seconds=int(settings.ASSESSMENT_RESUMABLE_EXPIRE_S))


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs, keys unique, values UTF-8 here."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not key or " " in encoded.strip() or key in metadata:
            raise TusError(400, "Upload-Metadata: expected unique 'key base64value' pairs separated by commas.")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, f"Upload-Metadata: the value of {key!r} is not base64-encoded UTF-8 text.") from None
    return metadata


def resumable_create(
    *, owner: Any, visit: Visit | None, length_bytes: int, metadata: dict[str, str]
) -> ResumableUpload:
    """Start an upload of ``length_bytes`` for ``visit`` (None: the owner's self-check from the
    portal): the cheap checks now (size, view, consent), so nobody sends a gigabyte to be told the
    patient has not consented; the clip's own checks run once it is complete."""
    limit = max_upload_bytes()
    if length_bytes > limit:
        raise UploadTooLarge(length_bytes, limit)
    view = metadata.get("view") or "posterior"
    if visit is not None:
        validate_can_upload(visit, view)
    else:
        validate_can_send_self_check(owner, view)
    upload = ResumableUpload.objects.create(
        owner=owner,
        visit=visit,
        view=view,
        capture_fps=parse_capture_fps(metadata.get("capture_fps", "")),
        filename=(metadata.get("filename") or metadata.get("name") or "")[:255],
        length_bytes=length_bytes,
        expires_at=timezone.now() + expire_after(),
    )
    path = part_path(upload)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600)
    return upload


def is_expired(upload: ResumableUpload, *, now: datetime | None = None) -> bool:
    return upload.assessment_id is None and upload.expires_at <= (now or timezone.now())


def resumable_append(
    *, upload: ResumableUpload, offset: int, read: Callable[[int], bytes], size: int, checksum: str | None = None
) -> ResumableUpload:
    """Append ``size`` bytes read from ``read`` at ``offset`` (tus PATCH); complete the upload when
    the last byte is in.

    The part file's size is the upload's offset, so a transfer cut mid-way keeps every byte that
    arrived and the client resumes from there. An exclusive lock on the part keeps two transfers of
    one upload from interleaving, without holding a database transaction (SQLite's only write lock)
    for the length of a transfer.
    """
    if upload.assessment_id is not None:
        if offset != upload.length_bytes:
            raise TusError(409, f"Upload-Offset is {offset}; this upload is complete at {upload.length_bytes}.")
        return upload
    if offset < 0:
        raise TusError(400, "Upload-Offset must be a whole number of bytes.")
    if offset + size > upload.length_bytes:
        raise TusError(413, f"This piece ends past the declared Upload-Length of {upload.length_bytes} bytes.")
    digest = _checksum_digest(checksum)
    path = part_path(upload)
    try:
        fh = path.open("r+b")
    except FileNotFoundError:
        raise TusError(410, "This upload has expired; start it again.") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TusError(423, "Another transfer of this upload is in progress; try again shortly.") from None
        current = fh.seek(0, os.SEEK_END)
        if offset != current:
            raise TusError(
                409, f"Upload-Offset is {offset}, but the upload is at {current}: ask (HEAD) and resume there."
            )
        received = _copy(read, fh, size, digest)
        if digest is not None and received == size and digest[0].digest() != digest[1]:
            fh.truncate(current)  # the piece is discarded whole, as the checksum extension says
            raise TusError(460, "The piece does not match its Upload-Checksum; send it again.")
        if digest is not None and received < size:
            fh.truncate(current)  # a checksum covers the whole piece: a part of it cannot be kept
            received = 0
        fh.flush()
        os.fsync(fh.fileno())
        upload.offset_bytes = current + received
        upload.expires_at = timezone.now() + expire_after()
        ResumableUpload.objects.filter(pk=upload.pk).update(
            offset_bytes=upload.offset_bytes, expires_at=upload.expires_at
        )
        if upload.offset_bytes == upload.length_bytes:
            _complete(upload, path)
    return upload


def _checksum_digest(checksum: str | None) -> tuple[Any, bytes] | None:
    if not checksum:
        return None
    algorithm, _, encoded = checksum.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(400, f"Upload-Checksum: use one of {', '.join(CHECKSUM_ALGORITHMS)}.")
    try:
        expected = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise TusError(400, "Upload-Checksum: the checksum is not base64.") from None
    return hashlib.new(algorithm), expected


def _copy(read: Callable[[int], bytes], out: Any, size: int, digest: tuple[Any, bytes] | None) -> int:
    """Copy up to ``size`` bytes; stop early, keeping what came, when the client goes away."""
    received = 0
    while received < size:
        try:
            chunk = read(min(_READ_CHUNK, size - received))
        except OSError as exc:  # Django's UnreadablePostError is one: the connection dropped
            logger.info("resumable upload: transfer cut after %d of %d bytes (%s)", received, size, exc)
            break
        if not chunk:
            break
        out.write(chunk)
        if digest is not None:
            digest[0].update(chunk)
        received += len(chunk)
    return received


class _PartFile(UploadedFile):
    """The finished part handed to ``assessment_create`` as an upload already on disk (no copy)."""

    def __init__(self, path: Path, *, name: str, size: int) -> None:
        super().__init__(path.open("rb"), name=name, content_type="application/octet-stream", size=size)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def _complete(upload: ResumableUpload, path: Path) -> None:
    """The last byte is in: check and store the clip as any upload is, then drop the part. A clip
    the checks refuse ends the upload (sending it again would not change it)."""
    part = _PartFile(path, name=upload.filename or "video", size=upload.length_bytes)
    try:
        with part:
            if upload.visit is None:
                assessment = self_check_create(
                    patient=upload.owner.patient,
                    video=part,
                    view=upload.view,
                    sent_by=upload.owner,
                    capture_fps=upload.capture_fps,
                )
            else:
                assessment = assessment_create(
                    visit=upload.visit,
                    video=part,
                    view=upload.view,
                    created_by=upload.owner,
                    capture_fps=upload.capture_fps,
                )
    except (ValidationError, UploadTooLarge) as exc:
        path.unlink(missing_ok=True)
        upload.delete()
        status = 413 if isinstance(exc, UploadTooLarge) else 400
        message = str(exc) if isinstance(exc, UploadTooLarge) else " ".join(exc.messages)
        raise TusError(status, message) from None
    path.unlink(missing_ok=True)
    upload.assessment = assessment
    ResumableUpload.objects.filter(pk=upload.pk).update(assessment=assessment)


def resumable_delete(*, upload: ResumableUpload) -> None:
    """tus termination: the client gives the upload up; its bytes go at once."""
    part_path(upload).unlink(missing_ok=True)
    upload.delete()


def remove_expired_resumable_uploads(*, now: datetime | None = None) -> int:
    """Delete uploads whose time ran out (parts and rows) and parts no row owns. Idempotent: a
    second run finds nothing. Returns how many uploads were removed."""
    now = now or timezone.now()
    removed = 0
    for upload in ResumableUpload.objects.filter(expires_at__lte=now).only("id"):
        with transaction.atomic():
            part_path(upload).unlink(missing_ok=True)
            removed += ResumableUpload.objects.filter(pk=upload.pk, expires_at__lte=now).delete()[0]
    folder = Path(settings.ASSESSMENT_RESUMABLE_DIR)
    if folder.is_dir():
        known = {f"{pk}.part" for pk in ResumableUpload.objects.values_list("id", flat=True)}
        stale_before = (now - expire_after()).timestamp()
        for part in folder.glob("*.part"):
            # A part without a row older than the expiry: its row was deleted with its visit or user.
            if part.name not in known and part.stat().st_mtime < stale_before:
                part.unlink(missing_ok=True)
    return removed
