"""Self-checks (issue 12, item 7): a clip an athlete films of their own running between visits and
sends from the portal, analysed like any upload; a clinician reviews it with words for the athlete
and may accept it into the trend. Until then it is no clinic measurement
(``AssessmentQuerySet.measurements``). Writes, audited; keyword-only arguments.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentSource, CameraView
from assessments.services.upload import _store_and_queue
from audit.models import AuditAction
from audit.services import audit_record
from patients.consents import NO_CONSENT_SELF_CHECK_MESSAGE, ensure_may_film
from patients.models import Patient

MIN_COMMENT_CHARS = 10


def self_check_create(
    *, patient: Patient, video: UploadedFile, view: str, sent_by: Any, capture_fps: float | None = None
) -> Assessment:
    """Check and store the athlete's clip, and queue its analysis, as a clinic upload is (same
    checks, limits, messages and job). Only the athlete whose record it is sends one."""
    if getattr(sent_by, "pk", None) is None or patient.user_id != sent_by.pk:
        raise PermissionDenied("Only the athlete can send a self-check of their own running.")
    validate_can_send_self_check(sent_by, view)
    return _store_and_queue(
        visit=None,
        patient_id=patient.pk,
        source=AssessmentSource.SELF_CHECK,
        video=video,
        view=view,
        created_by=sent_by,
        capture_fps=capture_fps,
        no_consent_message=NO_CONSENT_SELF_CHECK_MESSAGE,
    )


def validate_can_send_self_check(user: Any, view: str) -> Patient:
    """The user is an athlete with a record, the view is one we measure and consent is on file
    (checked again when the clip is complete). Returns their patient record."""
    patient = getattr(user, "patient", None)
    if not user.has_perm("assessments.add_self_check") or patient is None:
        raise PermissionDenied("Self-checks are sent by athletes from their portal.")
    if view not in CameraView.values:
        raise ValidationError({"view": "Choose whether you filmed from behind or from the front."})
    ensure_may_film(patient, message=NO_CONSENT_SELF_CHECK_MESSAGE, field="video")
    return patient


@transaction.atomic
def self_check_review(*, assessment: Assessment, comment: str, add_to_trend: bool, reviewed_by: Any) -> Assessment:
    """Review a self-check: the clinician's words to the athlete (who then sees the result with
    them), and whether it joins the trend as a measurement (labelled a self-check wherever it
    appears). Reviewing again replaces the words and the choice; each step is audited."""
    if not assessment.is_self_check:
        raise ValidationError({"assessment": "Only a self-check sent from the portal is reviewed here."})
    if assessment.is_running:
        raise ValidationError({"assessment": "The self-check is still being analysed: review it when it is ready."})
    comment = comment.strip()
    if len(comment) < MIN_COMMENT_CHARS:
        raise ValidationError({"comment": "Write a sentence or two for the athlete: they read it with the result."})
    if add_to_trend and not assessment.shows_numbers:
        raise ValidationError(
            {"add_to_trend": "Only a self-check with a measured result can join the trend; this one has no number."}
        )
    now = timezone.now()
    first_review = assessment.reviewed_at is None
    was_in_trend = assessment.in_trend  # on this analysis: after a re-analysis it is accepted again
    changes: dict[str, Any] = {"reviewed_by": reviewed_by, "reviewed_at": now, "review_comment": comment}
    if add_to_trend and not was_in_trend:
        changes.update(in_trend_by=reviewed_by, in_trend_at=now)
    elif not add_to_trend and assessment.in_trend_at is not None:
        changes.update(in_trend_by=None, in_trend_at=None)
    Assessment.objects.filter(pk=assessment.pk).update(**changes, updated_at=now)
    audit_record(
        actor=reviewed_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"self-check {'reviewed' if first_review else 'review changed'}: {comment[:200]}",
    )
    if add_to_trend != was_in_trend:
        audit_record(
            actor=reviewed_by,
            action=AuditAction.UPDATE,
            target=assessment,
            patient_id=assessment.patient_id,
            summary="self-check accepted into the trend" if add_to_trend else "self-check taken out of the trend",
        )
    assessment.refresh_from_db()
    return assessment
