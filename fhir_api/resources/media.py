"""Media: the treadmill video of an assessment (what its Observations are derived from) and its
keyframes. Attachments link to the site's authorised download views; nothing is inlined."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from fhir_api.resources.common import MEDIA_KIND_SYSTEM, MEDIA_TYPE, Links, concept, instant, reference, row_id

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".avi": "video/x-msvideo", ".mov": "video/quicktime"}


@dataclass(frozen=True)
class AssessmentMedia:
    """What the Media of one assessment are made of (a selector row)."""

    assessment_id: int
    patient_id: int
    visit_id: int | None  # None: an athlete's self-check accepted into the trend (no visit)
    created_at: datetime.datetime
    view: str
    video_name: str
    video_size_bytes: int
    keyframes: list[dict[str, Any]]


SELF_CHECK_NOTE = (
    "Self-check: filmed by the athlete between visits, not at the clinic; a clinician reviewed it and "
    "accepted it into the hip-drop trend."
)


def video_media_id(assessment_id: int) -> str:
    return f"assessment-{assessment_id}"


def keyframe_media_id(assessment_id: int, index: int) -> str:
    return f"assessment-{assessment_id}-keyframe-{index}"


def parse_media_id(resource_id: str) -> tuple[int, int | None] | None:
    """(assessment id, keyframe index or None for the video) of a Media id, or None."""
    parts = resource_id.split("-")
    pk = row_id(parts[1]) if len(parts) in (2, 4) and parts[0] == "assessment" else None
    if pk is None:
        return None
    if len(parts) == 2:
        return pk, None
    index = row_id(parts[3]) if parts[2] == "keyframe" else None
    return (pk, index) if index is not None else None


def _view_concept(view: str) -> dict[str, Any]:
    return {"text": "Posterior (from behind)" if view == "posterior" else "Anterior (from the front)"}


def _encounter(media: AssessmentMedia) -> dict[str, Any]:
    return {"encounter": reference("Encounter", media.visit_id)} if media.visit_id is not None else {}


def _self_check_note(media: AssessmentMedia) -> dict[str, Any]:
    if media.visit_id is not None:
        return {}
    return {"note": [{"text": SELF_CHECK_NOTE}]}


def video_media_resource(media: AssessmentMedia, links: Links) -> dict[str, Any]:
    ext = media.video_name[media.video_name.rfind(".") :].lower() if "." in media.video_name else ""
    attachment: dict[str, Any] = {
        "contentType": VIDEO_TYPES.get(ext, "application/octet-stream"),
        "url": links.site(reverse("assessments:video", args=[media.assessment_id])),
        "title": f"Treadmill video, assessment {media.assessment_id}",
        "creation": instant(media.created_at),
    }
    if media.video_size_bytes and media.video_size_bytes < 2**31:  # Attachment.size is a 32-bit integer in R4
        attachment["size"] = media.video_size_bytes
    return {
        "resourceType": "Media",
        "id": video_media_id(media.assessment_id),
        "status": "completed",
        "type": concept(MEDIA_TYPE, "video", "Video"),
        "modality": concept(MEDIA_KIND_SYSTEM, "treadmill-video", "Treadmill running video"),
        "view": _view_concept(media.view),
        "subject": reference("Patient", media.patient_id),
        **_encounter(media),
        "createdDateTime": instant(media.created_at),
        "content": attachment,
        **_self_check_note(media),
    }


def keyframe_media_resource(media: AssessmentMedia, index: int, links: Links) -> dict[str, Any]:
    keyframe = media.keyframes[index]
    side, kind = str(keyframe.get("side", "")), str(keyframe.get("kind", ""))
    title = f"Keyframe {index}: {kind} of a {side} stance".replace("  ", " ")
    resource: dict[str, Any] = {
        "resourceType": "Media",
        "id": keyframe_media_id(media.assessment_id, index),
        "partOf": [reference("Media", video_media_id(media.assessment_id))],
        "status": "completed",
        "type": concept(MEDIA_TYPE, "image", "Image"),
        "modality": concept(MEDIA_KIND_SYSTEM, "keyframe", "Keyframe of a treadmill video"),
        "view": _view_concept(media.view),
        "subject": reference("Patient", media.patient_id),
        **_encounter(media),
        "createdDateTime": instant(media.created_at),
        "content": {
            "contentType": "image/png",
            "url": links.site(reverse("assessments:keyframe", args=[media.assessment_id, index])),
            "title": title,
        },
    }
    if isinstance(keyframe.get("frame"), int):
        resource["note"] = [{"text": f"Frame {keyframe['frame']} of the video"}]
    return resource
