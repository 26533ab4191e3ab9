"""Encounter: a visit to the clinic (ambulatory), with the clinician who led it."""

from __future__ import annotations

from typing import Any

from fhir_api.resources.common import ACT_CODE, coding, display_only, person_name, reference
from patients.models import Visit


def encounter_resource(visit: Visit) -> dict[str, Any]:
    """The visit's notes (subjective, objective, plan) are not carried: Encounter has no place for
    them, and a clinical note document is not part of this API yet."""
    return {
        "resourceType": "Encounter",
        "id": str(visit.pk),
        # A visit row is written once the athlete has been seen.
        "status": "finished",
        "class": coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": "Running injury physiotherapy visit"}],
        "subject": reference("Patient", visit.patient_id),
        "participant": [{"individual": display_only(person_name(visit.clinician))}],
        "period": {"start": visit.visit_date.isoformat(), "end": visit.visit_date.isoformat()},
    }
