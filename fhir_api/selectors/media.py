"""Media: each assessment's treadmill video and its keyframes, for clinicians (whoever may open
the videos and keyframes on the site: assessments.view_assessment_result)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from assessments.models import Assessment
from assessments.selectors import assessment_queryset_for, can_view_results
from fhir_api.resources.media import (
    AssessmentMedia,
    keyframe_media_resource,
    parse_media_id,
    video_media_resource,
)
from fhir_api.search import Criterion, id_param, reference_param
from fhir_api.selectors.base import Found, Kind, Page, Reader, params

VIDEO = -1  # the sub-resource key of the video; keyframes are keyed by their index


def _ids(values: list[str]) -> Criterion:
    wanted = {(pk, VIDEO if index is None else index) for pk, index in filter(None, map(parse_media_id, values))}
    return Criterion(q=Q(pk__in={pk for pk, _ in wanted}), keep=lambda pk, key: (pk, int(key)) in wanted)


PARAMS = params(
    id_param("assessment-<id> (the video) or assessment-<id>-keyframe-<n>.", _ids),
    reference_param("patient", "patient_id", "Patient", "The patient filmed: Patient/<id> or <id>."),
    reference_param("subject", "patient_id", "Patient", "Same as patient (only patients are subjects here)."),
    reference_param("encounter", "visit_id", "Encounter", "The visit: Encounter/<id> or <id>."),
)


def _can_read(user: Any) -> bool:
    return can_view_results(user)


def _rows(queryset: QuerySet[Assessment]) -> list[AssessmentMedia]:
    rows = queryset.values(
        "id", "patient_id", "visit_id", "created_at", "view", "video", "video_size_bytes", "keyframes"
    )
    return [
        AssessmentMedia(
            assessment_id=row["id"],
            patient_id=row["patient_id"],
            visit_id=row["visit_id"],
            created_at=row["created_at"],
            view=row["view"],
            video_name=row["video"] or "",
            video_size_bytes=row["video_size_bytes"] or 0,
            keyframes=[k for k in row["keyframes"] or [] if isinstance(k, dict)],
        )
        for row in rows
    ]


def _resource(media: AssessmentMedia, key: int, reader: Reader) -> dict[str, Any]:
    if key == VIDEO:
        return video_media_resource(media, reader.links)
    return keyframe_media_resource(media, key, reader.links)


def _expand(rows: list[AssessmentMedia], search: Any = None) -> list[tuple[AssessmentMedia, int]]:
    items = []
    for media in rows:
        for key in (VIDEO, *range(len(media.keyframes))):
            if search is None or search.keeps_item(media.assessment_id, str(key)):
                items.append((media, key))
    return items


def _read(reader: Reader, resource_id: str) -> Found | None:
    parsed = parse_media_id(resource_id)
    if parsed is None or not can_view_results(reader.user):
        return None
    pk, index = parsed
    rows = _rows(assessment_queryset_for(reader.user).filter(pk=pk))
    if not rows or (index is not None and index >= len(rows[0].keyframes)):
        return None
    media = rows[0]
    return Found(_resource(media, VIDEO if index is None else index, reader), Assessment(pk=pk), media.patient_id)


def _search(reader: Reader, search: Any) -> Page:
    rows = _rows(assessment_queryset_for(reader.user).filter(search.q).order_by("-created_at", "-id"))
    items = _expand(rows, search)
    shown = items[search.offset : search.offset + search.count]
    resources = [_resource(media, key, reader) for media, key in shown]
    return Page(resources, len(items), Assessment, {media.patient_id for media, _ in shown})


def _of_patient(reader: Reader, patient_id: int) -> list[dict[str, Any]]:
    rows = _rows(assessment_queryset_for(reader.user).filter(patient_id=patient_id).order_by("created_at", "id"))
    return [_resource(media, key, reader) for media, key in _expand(rows)]


KIND = Kind("Media", _can_read, PARAMS, _read, _search, _of_patient)
