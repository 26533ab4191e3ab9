"""Upload of a clip: check it (size, container, metadata limits) and store it under a
server-chosen name, then queue its analysis (``jobs``).

The copy, hash and probe run before the transaction opens, so SQLite's write lock is not held
for the whole file check (a 1 GB upload takes seconds to hash).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from assessments.analysis.container import check_whole
from assessments.analysis.video import VideoError, VideoInfo, human_size, probe
from assessments.models import Assessment, AssessmentSource, CameraView, private_storage
from assessments.services.jobs import queue_analysis
from assessments.services.limits import upload_limits
from audit.models import AuditAction
from audit.services import audit_record
from patients.consents import NO_CONSENT_MESSAGE, ensure_may_film
from patients.models import Patient, Visit

logger = logging.getLogger(__name__)

# The stored name keeps the container's own type (sniffed, never the client's name), which is
# what the video's Content-Type is served from (views._VIDEO_TYPES).
_EXTENSIONS = {"mp4": ".mp4", "mov": ".mov", "m4v": ".m4v", "webm": ".webm", "mkv": ".mkv", "avi": ".avi"}
_COPY_CHUNK = 1024 * 1024


class UploadTooLarge(Exception):
    """The upload is over ASSESSMENT_MAX_UPLOAD_BYTES (HTTP 413)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(
            f"The video is {human_size(size)}; the largest accepted is {human_size(limit)}. "
            "Trim the clip to 10-20 seconds and upload it again."
        )


@dataclass(frozen=True)
class CheckedVideo:
    path: Path
    info: VideoInfo
    sha256: str
    size_bytes: int


def max_upload_bytes() -> int:
    return int(settings.ASSESSMENT_MAX_UPLOAD_BYTES)


def declared_too_large(content_length: str | None) -> UploadTooLarge | None:
    """Refuse before the body is read: a 1 GB limit is checked against the Content-Length header
    first (with room for the form's other fields). A header that is not a number proves nothing:
    the body is then measured as it streams in, as Django itself does."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return None
    limit = max_upload_bytes()
    return UploadTooLarge(declared, limit) if declared > limit + 64 * 1024 else None


@contextmanager
def checked_video(upload: UploadedFile, *, capture_fps: float | None = None) -> Iterator[CheckedVideo]:
    """Copy the upload to a private temp file, hash it and probe it with the engine.

    The probe reads the container's metadata and decodes two frames, never the whole clip: the
    limits are checked on the metadata first. Raises ``UploadTooLarge`` or
    ``ValidationError({"video": message})``; nothing is stored.
    """
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise UploadTooLarge(upload.size, limit)
    tmp_dir = Path(tempfile.mkdtemp(prefix="stride-upload-"))
    try:
        # Large uploads are already on disk (TemporaryUploadedFile): probe that file, copy nothing.
        on_disk = getattr(upload, "temporary_file_path", None)
        path = Path(on_disk()) if on_disk else tmp_dir / "upload"
        digest = hashlib.sha256()
        size = 0
        upload.seek(0)
        with open(os.devnull if on_disk else path, "wb") as out:
            for chunk in upload.chunks(_COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(size, limit)
                digest.update(chunk)
                if not on_disk:
                    out.write(chunk)
        try:
            check_whole(path)  # a copy cut short is refused here, though the engine could read its start
            info = probe(path, limits=upload_limits(), capture_fps=capture_fps)
        except VideoError as exc:
            raise ValidationError({"video": exc.message}, code=exc.code) from None
        _check_timing(info)
        yield CheckedVideo(path=path, info=info, sha256=digest.hexdigest(), size_bytes=size)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _check_timing(info: VideoInfo) -> None:
    if info.fps < settings.ASSESSMENT_MIN_FPS:
        raise ValidationError(
            {
                "video": f"The video was filmed at {info.fps:.0f} frames per second; at least "
                f"{settings.ASSESSMENT_MIN_FPS:.0f} are needed (60 or more is best). Set the phone to slow motion "
                "or 60 fps and film again."
            },
            code="low_fps",
        )
    if info.duration_s < settings.ASSESSMENT_MIN_DURATION_S:
        raise ValidationError(
            {"video": f"The video lasts {info.duration_s:.1f} s; please record 10-20 seconds of steady running."},
            code="too_short",
        )
    if info.duration_s > settings.ASSESSMENT_MAX_DURATION_S:
        raise ValidationError(
            {
                "video": f"The video lasts {info.duration_s:.0f} s; the longest accepted is "
                f"{settings.ASSESSMENT_MAX_DURATION_S:.0f} s. Trim it to 10-20 seconds of steady running."
            },
            code="too_long",
        )


def parse_capture_fps(value: str) -> float | None:
    """The upload's optional slow-motion capture rate; a value that is no rate is refused."""
    value = value.strip().lower().removesuffix("fps").strip()
    if not value:
        return None
    try:
        fps = float(value)
    except ValueError:
        fps = float("nan")
    if not 1 <= fps <= 1000:  # NaN fails too
        raise ValidationError(
            {"capture_fps": "Give the slow-motion capture rate as a number of frames per second, for example 240."}
        )
    return fps


def display_filename(name: str) -> str:
    """The client's file name, kept only to show people: no folders, no control or direction
    characters (a right-to-left override shows "clip\u202egpj.exe" as "clipexe.jpg"). Never a storage path."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255]


def validate_can_upload(visit: Visit, view: str) -> None:
    """The visit may take a clip of this view (checked again when the clip is complete)."""
    if view not in CameraView.values:
        raise ValidationError({"view": f"Choose one of: {', '.join(CameraView.values)}."})
    ensure_may_film(visit.patient_id)


def assessment_create(
    *, visit: Visit, video: UploadedFile, view: str, created_by: Any, capture_fps: float | None = None
) -> Assessment:
    """Check the clip, store it under a server-chosen name, and queue its analysis.

    The copy, hash, probe and the copy into storage happen before the transaction: on SQLite a
    transaction that writes holds the database's only write lock, and a large clip takes seconds.
    ``capture_fps``: the capture rate of a slow-motion clip, as the uploader declared it.
    """
    validate_can_upload(visit, view)
    return _store_and_queue(
        visit=visit,
        patient_id=visit.patient_id,
        source=AssessmentSource.CLINIC,
        video=video,
        view=view,
        created_by=created_by,
        capture_fps=capture_fps,
    )


def _store_and_queue(
    *,
    visit: Visit | None,
    patient_id: int,
    source: str,
    video: UploadedFile,
    view: str,
    created_by: Any,
    capture_fps: float | None,
    no_consent_message: str = NO_CONSENT_MESSAGE,
) -> Assessment:
    """The part every upload shares, a clinic clip or a self-check: the checks, the stored file, the
    row, the queued analysis and the audit event."""
    with checked_video(video, capture_fps=capture_fps) as checked:
        uid = uuid.uuid4()
        assessment = Assessment(
            uid=uid,
            source=source,
            visit=visit,
            patient_id=patient_id,
            view=view,
            original_filename=display_filename(video.name or ""),
            video_sha256=checked.sha256,
            video_size_bytes=checked.size_bytes,
            video_meta=checked.info.to_dict(),
            capture_fps=capture_fps,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        name = f"assessments/{uid}/original{_EXTENSIONS.get(checked.info.container, '.mp4')}"
        with checked.path.open("rb") as fh:
            assessment.video.save(name, File(fh), save=False)
    stored_name = cast(str, assessment.video.name)  # just saved
    try:
        _save_and_queue(
            assessment, created_by=created_by, size_bytes=checked.size_bytes, no_consent_message=no_consent_message
        )
    except Exception:
        # The row rolled back; the stored file must not outlive it.
        private_storage().delete(stored_name)
        raise
    return assessment


@transaction.atomic
def _save_and_queue(assessment: Assessment, *, created_by: Any, size_bytes: int, no_consent_message: str) -> None:
    # Again under the patient's row lock: a withdrawal that committed while the clip was being
    # checked must win (the caller deletes the stored file when this raises).
    Patient.objects.select_for_update().filter(pk=assessment.patient_id).first()
    ensure_may_film(assessment.patient_id, message=no_consent_message)
    queue_analysis(assessment)
    assessment.save()
    what = "self-check sent by the athlete, uploaded" if assessment.is_self_check else "uploaded"
    audit_record(
        actor=created_by,
        action=AuditAction.CREATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"{what} {size_bytes} bytes, {assessment.view} view",
    )
