"""DocumentReference: a visit's report (PDF), linked to the site's authorised download view."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from fhir_api.resources.common import DOCUMENT_TYPE_SYSTEM, Links, concept, instant, reference, row_id


@dataclass(frozen=True)
class VisitReport:
    """A visit with at least one analysed assessment: its report exists (a selector row)."""

    visit_id: int
    patient_id: int
    visit_date: datetime.date
    last_analysed_at: datetime.datetime


def report_document_id(visit_id: int) -> str:
    return f"visit-report-{visit_id}"


def parse_report_document_id(resource_id: str) -> int | None:
    prefix, _, number = resource_id.rpartition("-")
    return row_id(number) if prefix == "visit-report" else None


def document_reference_resource(report: VisitReport, links: Links) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": report_document_id(report.visit_id),
        "status": "current",
        # The PDF is drawn from the latest results when downloaded: it is never a frozen final copy.
        "docStatus": "preliminary",
        "type": concept(DOCUMENT_TYPE_SYSTEM, "running-assessment-report", "Running assessment visit report"),
        "subject": reference("Patient", report.patient_id),
        "date": instant(report.last_analysed_at),
        "description": f"Running assessment report of the visit on {report.visit_date:%d %b %Y}",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": links.site(reverse("assessments:visit-report-pdf", args=[report.visit_id])),
                    "title": f"running-assessment-visit-{report.visit_id}.pdf",
                }
            }
        ],
        "context": {
            "encounter": [reference("Encounter", report.visit_id)],
            "period": {"start": report.visit_date.isoformat(), "end": report.visit_date.isoformat()},
        },
    }
