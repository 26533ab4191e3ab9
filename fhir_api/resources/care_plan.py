"""CarePlan: a strength programme prescribed to the athlete, each exercise an activity with its
dosage (sets, reps or hold, load) as text and its days a week as the timing."""

from __future__ import annotations

from typing import Any

from fhir_api.resources.common import EXERCISE_SYSTEM, concept, display_only, instant, person_name, reference
from programs.models import Prescription, PrescriptionStatus

# A superseded prescription was replaced before it ran its course (CarePlan.replaces links them).
STATUS: dict[str, str] = {
    PrescriptionStatus.ACTIVE: "active",
    PrescriptionStatus.SUPERSEDED: "revoked",
    PrescriptionStatus.ENDED: "completed",
}
ACTIVITY_STATUS: dict[str, str] = {
    PrescriptionStatus.ACTIVE: "in-progress",
    PrescriptionStatus.SUPERSEDED: "stopped",
    PrescriptionStatus.ENDED: "completed",
}


def _activity(item: Any, status: str) -> dict[str, Any]:
    description = item.dosage_text + (f". {item.notes}" if item.notes else "")
    detail: dict[str, Any] = {
        "code": concept(EXERCISE_SYSTEM, item.exercise.slug, item.exercise.name),
        "status": status,
        "scheduledTiming": {"repeat": {"frequency": item.days_per_week, "period": 1, "periodUnit": "wk"}},
        "description": description,
    }
    return {"detail": detail}


def care_plan_resource(prescription: Prescription) -> dict[str, Any]:
    status = STATUS.get(prescription.status, "unknown")
    period: dict[str, str] = {"start": prescription.starts_on.isoformat()}
    if prescription.ended_at:
        period["end"] = instant(prescription.ended_at)
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(prescription.pk),
        "status": status,
        "intent": "plan",
        "title": f"{prescription.program.name}: {prescription.phase.name}",
        "description": prescription.phase.goal or prescription.program.description or prescription.program.name,
        "subject": reference("Patient", prescription.patient_id),
        "period": period,
        "created": instant(prescription.prescribed_at),
        "author": display_only(person_name(prescription.prescribed_by)),
        "activity": [
            _activity(item, ACTIVITY_STATUS.get(prescription.status, "unknown")) for item in prescription.items.all()
        ],
    }
    if prescription.visit_id:
        resource["encounter"] = reference("Encounter", prescription.visit_id)
    if prescription.supersedes_id:
        resource["replaces"] = [reference("CarePlan", prescription.supersedes_id)]
    notes = [{"text": f"Gait cue: {cue}"} for cue in prescription.gait_cue_list]
    if prescription.cadence_target_spm:
        notes.append({"text": f"Cadence target: {prescription.cadence_target_spm} steps/min"})
    if prescription.supersedes_id and prescription.change_reason:  # a first prescription's reason is "Prescribed ..."
        notes.append({"text": f"Changed because: {prescription.change_reason}"})
    if notes:
        resource["note"] = notes
    return resource
