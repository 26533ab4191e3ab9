"""What the visit report (HTML page and PDF) shows, for a user: the page views and the data
export worker (exports.build) build the same report from here."""

from __future__ import annotations

import hashlib
from typing import Any

from django.urls import reverse

from assessments import selectors
from assessments.analysis import quality as gate
from assessments.models import Assessment
from assessments.reference import REPORT_CONTEXT
from patients.consents import may_use_in_reports
from patients.models import Patient, Visit


def etag_of(name: str) -> str:
    """A stored file's ETag: the hash of its name (a stored name is never reused for new content)."""
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def keyframe_items(assessment: Assessment) -> list[dict[str, Any]]:
    # A keyframe is a whole decoded frame, so it has the clip's shape: with width and height on the
    # <img> the browser keeps its place before it loads (no layout shift).
    meta = assessment.video_meta or {}
    size = {"width": meta.get("width"), "height": meta.get("height")}
    frames = []
    for index, item in enumerate(assessment.keyframes or []):
        # The stored name's hash in the URL: a re-analysis (new names) gets new URLs, so the
        # browser may keep each image for KEYFRAME_MAX_AGE_S without showing an old one.
        version = etag_of(item.get("page_name") or item.get("name", ""))[:16]
        url = reverse("assessments:keyframe", args=[assessment.pk, index])
        page_url = reverse("assessments:keyframe-page", args=[assessment.pk, index])
        frames.append(
            {**item, **size, "index": index, "url": f"{url}?v={version}", "page_url": f"{page_url}?v={version}"}
        )
    return frames


def visit_report_context(*, user: Any, visit: Visit) -> dict[str, Any]:
    """The report's context for a visit the caller has already found in ``user``'s scope.

    Pictures from the video (keyframes) appear only where the patient's consent covers reports;
    the numbers stay, since they are not images of the patient.
    """
    pictures_allowed = may_use_in_reports(visit.patient)
    return {
        "visit": visit,
        "patient": visit.patient,
        "pictures_withheld": not pictures_allowed,
        "items": [
            {
                **item,
                "keyframes": keyframe_items(item["assessment"])
                if pictures_allowed and item["assessment"].shows_numbers
                else [],
            }
            for item in selectors.visit_report_items(user=user, visit=visit)
        ],
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
        "min_stances": gate.MIN_STANCES_PER_SIDE,
        "references": REPORT_CONTEXT,
        "exercises": _prescribed_exercises(user, visit.patient),
    }


def _prescribed_exercises(user: Any, patient: Patient) -> list[dict[str, str]]:
    """The active prescription's exercises (programs app), for the report's "what to keep doing"."""
    from programs.selectors import active_prescription

    prescription = active_prescription(user=user, patient=patient)
    if prescription is None:
        return []
    return [
        {"name": str(item.exercise), "dosage": item.dosage_text, "notes": item.notes}
        for item in prescription.items.select_related("exercise")
    ]
