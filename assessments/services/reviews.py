"""Services for a clinician's review of a result (issue 13): accept a low-confidence result with a
note, mark which assessment of a visit and view is the result of record, and check the engine's
hip points by hand on a keyframe. Writes, audited.

Kept beside ``services.py`` (upload and processing) as its own subject; keyword-only arguments.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.analysis import quality as gate
from assessments.analysis.agreement import manual_cpd_deg
from assessments.models import Assessment, ManualHipCheck
from audit.models import AuditAction
from audit.services import audit_record

MIN_NOTE_CHARS = 10


@transaction.atomic
def assessment_accept(*, assessment: Assessment, note: str, accepted_by: Any) -> Assessment:
    """Vouch for a low-confidence result so it counts for trend changes and the athlete's words.

    A not-measurable result cannot be accepted: it has no number to vouch for. The note says why
    the clinician trusts it (e.g. "counted the steps on the video: 6 clean stances per side").
    """
    note = note.strip()
    status = assessment.quality_status
    if status != gate.LOW_CONFIDENCE:
        raise ValidationError(
            {
                "note": "Only a low-confidence result can be accepted."
                if status != gate.NOT_MEASURABLE
                else "A not-measurable result has no number to accept."
            }
        )
    if len(note) < MIN_NOTE_CHARS:
        raise ValidationError({"note": "Say in a sentence why this result can be trusted."})
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        accepted_by=accepted_by, accepted_at=now, acceptance_note=note, updated_at=now
    )
    audit_record(
        actor=accepted_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"low-confidence result accepted: {note[:200]}",
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_withdraw_acceptance(*, assessment: Assessment, withdrawn_by: Any) -> Assessment:
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        accepted_by=None, accepted_at=None, acceptance_note="", updated_at=now
    )
    audit_record(
        actor=withdrawn_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary="acceptance of the low-confidence result withdrawn",
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_mark_of_record(*, assessment: Assessment, marked_by: Any) -> Assessment:
    """Make this the assessment that counts for its visit and view (one per visit and view)."""
    if assessment.visit_id is None:
        raise ValidationError({"assessment": "A self-check has no visit: accept it into the trend when you review it."})
    if not assessment.shows_numbers:
        raise ValidationError({"assessment": "A not-measurable result cannot be the result of record."})
    now = timezone.now()
    Assessment.objects.filter(visit_id=assessment.visit_id, view=assessment.view).exclude(pk=assessment.pk).update(
        of_record_by=None, of_record_at=None
    )
    Assessment.objects.filter(pk=assessment.pk).update(of_record_by=marked_by, of_record_at=now, updated_at=now)
    audit_record(
        actor=marked_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"marked as the result of record of visit {assessment.visit_id}, {assessment.view} view",
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def hip_check_save(
    *,
    assessment: Assessment,
    keyframe_index: int,
    left_hip: tuple[float, float],
    right_hip: tuple[float, float],
    checked_by: Any,
) -> ManualHipCheck:
    """Store a clinician's hand-placed hip points on a keyframe and the CPD they give."""
    frames = assessment.keyframes or []
    if not assessment.shows_numbers:
        raise ValidationError({"assessment": "A not-measurable result has no engine value to check."})
    if not 0 <= keyframe_index < len(frames) or frames[keyframe_index].get("cpd_midstance_deg") is None:
        raise ValidationError({"keyframe": "No such keyframe with an engine value."})
    points = [*left_hip, *right_hip]
    if any(not math.isfinite(v) or v < 0 or v > 20_000 for v in points):
        raise ValidationError({"points": "Place both hip points on the picture."})
    if abs(left_hip[0] - right_hip[0]) < 2:
        raise ValidationError({"points": "Place the two hip points apart, one on each hip."})
    keyframe = frames[keyframe_index]
    side = keyframe["side"]
    stance, swing = (left_hip, right_hip) if side == "left" else (right_hip, left_hip)
    check, _ = ManualHipCheck.objects.update_or_create(
        assessment=assessment,
        keyframe_index=keyframe_index,
        checked_by=checked_by,
        defaults={
            "side": side,
            "frame": int(keyframe.get("frame") or 0),
            "left_hip_x": left_hip[0],
            "left_hip_y": left_hip[1],
            "right_hip_x": right_hip[0],
            "right_hip_y": right_hip[1],
            "manual_cpd_deg": manual_cpd_deg(stance_xy=stance, swing_xy=swing),
            "engine_cpd_deg": float(keyframe["cpd_midstance_deg"]),
        },
    )
    audit_record(
        actor=checked_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"manual hip check on keyframe {keyframe_index}: {check.manual_cpd_deg:.1f} deg by hand, "
        f"{check.engine_cpd_deg:.1f} deg by the engine",
    )
    return check
