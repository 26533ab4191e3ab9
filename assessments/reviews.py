"""Services for a clinician's review of a result (issue 13): accept a low-confidence result with a
note, and mark which assessment of a visit and view is the result of record. Writes, audited.

Kept beside ``services.py`` (upload and processing) as its own subject; keyword-only arguments.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.analysis import quality as gate
from assessments.models import Assessment
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
            {"note": "Only a low-confidence result can be accepted."
             if status != gate.NOT_MEASURABLE else "A not-measurable result has no number to accept."}
        )  # fmt: skip
    if len(note) < MIN_NOTE_CHARS:
        raise ValidationError({"note": "Say in a sentence why this result can be trusted."})
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        accepted_by=accepted_by, accepted_at=now, acceptance_note=note, updated_at=now
    )
    audit_record(
        actor=accepted_by, action=AuditAction.UPDATE, target=assessment, patient_id=assessment.patient_id,
        summary=f"low-confidence result accepted: {note[:200]}",
    )  # fmt: skip
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_withdraw_acceptance(*, assessment: Assessment, withdrawn_by: Any) -> Assessment:
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        accepted_by=None, accepted_at=None, acceptance_note="", updated_at=now
    )
    audit_record(
        actor=withdrawn_by, action=AuditAction.UPDATE, target=assessment, patient_id=assessment.patient_id,
        summary="acceptance of the low-confidence result withdrawn",
    )  # fmt: skip
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_mark_of_record(*, assessment: Assessment, marked_by: Any) -> Assessment:
    """Make this the assessment that counts for its visit and view (one per visit and view)."""
    if not assessment.shows_numbers:
        raise ValidationError({"assessment": "A not-measurable result cannot be the result of record."})
    now = timezone.now()
    Assessment.objects.filter(visit_id=assessment.visit_id, view=assessment.view).exclude(pk=assessment.pk).update(
        of_record_by=None, of_record_at=None
    )
    Assessment.objects.filter(pk=assessment.pk).update(of_record_by=marked_by, of_record_at=now, updated_at=now)
    audit_record(
        actor=marked_by, action=AuditAction.UPDATE, target=assessment, patient_id=assessment.patient_id,
        summary=f"marked as the result of record of visit {assessment.visit_id}, {assessment.view} view",
    )  # fmt: skip
    assessment.refresh_from_db()
    return assessment
