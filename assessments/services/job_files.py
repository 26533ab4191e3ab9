"""The files of an analysis job: the video fetched for the decoder and checked against its
SHA-256, the engine's outputs copied to private storage (and removed again), the playable copy."""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict, cast

import av
from django.core.files import File

from assessments.analysis.video import VideoError
from assessments.models import Assessment, private_storage
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)

_COPY_CHUNK = 1024 * 1024


class TransientAnalysisError(Exception):
    """A failure worth retrying (storage or database briefly unavailable), not the clip's fault."""


class VideoChanged(VideoError):
    """The stored file's SHA-256 differs from the one taken at upload."""

    code = "video_changed"


PLAYBACK_FAILED = "A playable copy of this video could not be made"


def _make_playback(
    assessment: Assessment, video_path: Path, outputs: OutputPaths, *, heartbeat: Any
) -> tuple[Path | None, str]:
    """Write the browser rendition when Chromium cannot play the original (analysis.rendition).

    Returns (its path, "") or (None, why it failed); (None, "") when the original plays as it is. A failure costs the player, not the result: the numbers are
    stored and the page says in words that the video cannot be shown.
    """
    from assessments.analysis import rendition
    from assessments.analysis.video import probe

    meta = assessment.video_meta or {}
    if rendition.browser_playable(codec=meta.get("codec", ""), container=meta.get("container", "")):
        return None, ""
    target = outputs["landmarks_path"].parent / "playback.mp4"
    try:
        info = probe(video_path, capture_fps=assessment.capture_fps)
        rendition.write_rendition(info, target, heartbeat=heartbeat)
    # The encoder's and decoder's own failures only: a time limit or a superseded job still stops the run.
    except (av.FFmpegError, VideoError, OSError, ValueError, RuntimeError) as exc:
        logger.warning("assessment %s: playable copy failed: %s", assessment.pk, exc)
        target.unlink(missing_ok=True)
        return None, f"{PLAYBACK_FAILED} ({type(exc).__name__})."
    return target, ""


def _local_copy(assessment: Assessment, work: Path) -> Path:
    """A path the decoder can open: the file itself on local disk, a temporary copy otherwise (S3)."""
    storage = assessment.video.storage
    name = cast(str, assessment.video.name)  # a saved assessment always has its video
    try:
        local = Path(storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None and local.is_file():
        return local
    target = work / Path(name).name
    try:
        with storage.open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
    except FileNotFoundError:
        raise VideoError(
            "The uploaded video is missing from storage. Please upload it again.", code="file_missing"
        ) from None
    except OSError as exc:
        raise TransientAnalysisError(f"could not fetch the video: {exc}") from exc
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_unchanged(assessment: Assessment, path: Path) -> None:
    """The file analysed must be the file uploaded: its SHA-256 is compared with the upload's."""
    found = file_sha256(path)
    if found == assessment.video_sha256:
        return
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"stored video failed its integrity check: SHA-256 {found} instead of {assessment.video_sha256}",
    )
    raise VideoChanged(
        "The stored video no longer matches the uploaded file (its SHA-256 fingerprint differs), so it was "
        "not analysed. Please upload the original clip again."
    )


class OutputPaths(TypedDict, total=False):
    """Where the engine writes its files: ``analyse``'s keyword arguments of the same names."""

    landmarks_path: Path
    keyframes_dir: Path
    preview_path: Path


def _output_paths(work: Path) -> OutputPaths:
    out: OutputPaths = {"landmarks_path": work / "landmarks.npz"}
    try:
        import assessments.analysis.render  # noqa: F401  (keyframes and preview need the renderer)
    except ImportError:
        return out
    out["keyframes_dir"] = work / "keyframes"
    out["preview_path"] = work / "preview.webm"
    return out


def _store_outputs(
    assessment: Assessment, job_id: str, data: dict, outputs: OutputPaths, playback: Path | None = None
) -> dict[str, Any]:
    """Copy the run's files to private storage under a per-job folder; return their names."""
    storage = private_storage()
    folder = f"assessments/{assessment.uid}/runs/{job_id}"
    stored: dict[str, Any] = {"landmarks": "", "preview": "", "playback": "", "keyframes": []}
    try:
        if outputs["landmarks_path"].is_file():
            with outputs["landmarks_path"].open("rb") as fh:
                stored["landmarks"] = storage.save(f"{folder}/landmarks.npz", File(fh))
        preview = outputs.get("preview_path")
        if preview is not None and preview.is_file():
            with preview.open("rb") as fh:
                stored["preview"] = storage.save(f"{folder}/preview.webm", File(fh))
        if playback is not None and playback.is_file():
            with playback.open("rb") as fh:
                stored["playback"] = storage.save(f"{folder}/playback.mp4", File(fh))
        for item in (data.get("outputs") or {}).get("keyframes") or []:
            path = Path(item["path"])
            if not path.is_file():
                continue
            with path.open("rb") as fh:
                name = storage.save(f"{folder}/keyframes/{path.name}", File(fh))
            kept = {k: v for k, v in item.items() if k not in ("path", "page_path")} | {"name": name}
            page = Path(item.get("page_path") or "")
            if page.name and page.is_file():
                with page.open("rb") as fh:
                    kept["page_name"] = storage.save(f"{folder}/keyframes/{page.name}", File(fh))
            stored["keyframes"].append(kept)
    except OSError as exc:
        _delete_files(stored)
        raise TransientAnalysisError(f"could not store the results: {exc}") from exc
    # Local paths of the worker mean nothing elsewhere; the stored names replace them.
    data["outputs"] = {
        "landmarks": stored["landmarks"],
        "preview": stored["preview"],
        "playback": stored["playback"],
        "keyframes": stored["keyframes"],
    }
    return stored


def _delete_files(files: Mapping[str, Any]) -> None:
    storage = private_storage()
    keyframes = files.get("keyframes") or []
    names = [
        files.get("landmarks"),
        files.get("preview"),
        files.get("playback"),
        *(k.get("name") for k in keyframes),
        *(k.get("page_name") for k in keyframes),
    ]
    for name in names:
        if name:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name)
