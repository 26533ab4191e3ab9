"""Consent: the patient's consent to be filmed, to have the video analysed and used in reports.

R4 Consent (scope patient-privacy, category LOINC 59284-0 "Patient Consent"). The clinic's
wording is the policy, named by its version; its text travels as the source attachment, so a
reader sees what the patient agreed to. A withdrawn consent is ``inactive`` with the period's end.
"""

from __future__ import annotations

import base64
from typing import Any

from fhir_api.resources.common import concept, display_only, instant, reference
from patients.consent_wording import wording_text
from patients.models import VideoConsent

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
CONSENT_ACTION_SYSTEM = "https://stride.clinic/fhir/CodeSystem/video-consent-actions"
POLICY_URI = "https://stride.clinic/consent/video/"


def consent_resource(consent: VideoConsent) -> dict[str, Any]:
    actions = [concept(CONSENT_ACTION_SYSTEM, "film-and-analyse", "Film and analyse treadmill video")]
    if consent.use_in_reports:
        actions.append(concept(CONSENT_ACTION_SYSTEM, "use-in-reports", "Use keyframes and results in reports"))
    period: dict[str, str] = {"start": instant(consent.recorded_at)}
    if consent.withdrawn_at:
        period["end"] = instant(consent.withdrawn_at)
    text = wording_text(consent.wording_version)
    return {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "status": "active" if consent.is_active else "inactive",
        "scope": concept(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
        "category": [concept(LOINC, "59284-0", "Patient Consent")],
        "patient": reference("Patient", consent.patient_id),
        "dateTime": instant(consent.recorded_at),
        "performer": [reference("Patient", consent.patient_id)],
        "organization": [display_only(consent.recorded_by_label)],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64.b64encode(text.encode()).decode(),
            "title": f"Video consent wording {consent.wording_version}",
        },
        "policy": [{"uri": POLICY_URI + consent.wording_version}],
        "provision": {"type": "permit", "period": period, "action": actions},
    }
