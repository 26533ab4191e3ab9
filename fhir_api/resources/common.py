"""What every mapper shares: the project's identifier and code system URLs, references, links."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

# The project's own systems. Canonical URLs name a system; they need not resolve.
PATIENT_ID_SYSTEM = "https://stride.clinic/fhir/sid/patient-id"
GAIT_METRICS_SYSTEM = "https://stride.clinic/fhir/CodeSystem/gait-metrics"
MEASUREMENT_QUALITY_SYSTEM = "https://stride.clinic/fhir/CodeSystem/measurement-quality"
EXERCISE_SYSTEM = "https://stride.clinic/fhir/CodeSystem/exercises"
DOCUMENT_TYPE_SYSTEM = "https://stride.clinic/fhir/CodeSystem/document-types"
MEDIA_KIND_SYSTEM = "https://stride.clinic/fhir/CodeSystem/media-kinds"

UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"


@dataclass(frozen=True)
class Links:
    """Absolute addresses for one response: the FHIR base and the site's own views.

    ``site`` turns a site path (``reverse(...)``) into an absolute URL, so attachments point at
    the existing authorised download views, never inline data.
    """

    base: str  # e.g. "https://clinic.example/fhir/r4" (no trailing slash)
    site: Callable[[str], str]

    def full_url(self, resource_type: str, resource_id: str) -> str:
        return f"{self.base}/{resource_type}/{resource_id}"


def reference(resource_type: str, resource_id: Any, display: str = "") -> dict[str, str]:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def display_only(display: str) -> dict[str, str]:
    """A reference to someone this server has no resource for (a clinician, a room)."""
    return {"display": display or "unknown"}


def person_name(user: Any) -> str:
    if user is None:
        return ""
    return (f"{user.first_name} {user.last_name}".strip() or user.username) if user else ""


def instant(value: datetime.datetime) -> str:
    """An aware datetime as a FHIR instant (UTC, seconds precision)."""
    return timezone.localtime(value, datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "", text: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text or display:
        out["text"] = text or display
    return out


def row_id(text: str) -> int | None:
    """A database id written in an id or search value, or None: ASCII digits only (``isdigit``
    also takes "²"), and small enough for a 64-bit column (a longer number is no row's id)."""
    return int(text) if 0 < len(text) <= 18 and text.isascii() and text.isdigit() else None
