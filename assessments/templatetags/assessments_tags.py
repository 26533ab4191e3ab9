"""The visit page's assessments section (included from patients/visit_detail.html) and number filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from assessments import selectors
from assessments.models import CameraView
from assessments.services import human_size
from patients.consents import may_film

register = template.Library()


@register.inclusion_tag("assessments/_visit_assessments.html", takes_context=True)
def visit_assessments(context: template.Context, visit: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    can_see = selectors.can_view_results(user)
    # An athlete (view_assessment only) reads the summaries of their own analysed assessments.
    summaries_only = not can_see and user.has_perm("assessments.view_assessment")
    return {
        "request": request,
        "visit": visit,
        "patient": visit.patient,
        "visible": can_see,
        "summaries_only": summaries_only,
        "assessments": selectors.visit_assessments(user=user, visit_id=visit.pk) if can_see or summaries_only else [],
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
        "can_upload": user.has_perm("assessments.add_assessment"),
        "may_film": may_film(visit.patient_id),
        "views": CameraView.choices,
        "max_upload": human_size(settings.ASSESSMENT_MAX_UPLOAD_BYTES),
        "max_upload_bytes": settings.ASSESSMENT_MAX_UPLOAD_BYTES,
        "resumable_threshold_bytes": settings.ASSESSMENT_RESUMABLE_THRESHOLD_BYTES,
        "resumable_chunk_bytes": settings.ASSESSMENT_RESUMABLE_CHUNK_BYTES,
    }


@register.filter
def deg(value: float | None, digits: int = 1) -> str:
    """A number of degrees, or a dash when it could not be measured."""
    if value is None:
        return "\u2013"  # en dash
    return f"{value:.{digits}f}°"


@register.filter
def signed(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "\u2013"  # en dash
    return f"{value:+.{digits}f}"


@register.filter
def field(row: dict[str, Any], key: str) -> Any:
    """``row[key]`` in a template (a stance's metric named by the engine's labels)."""
    return row.get(key) if isinstance(row, dict) else None
