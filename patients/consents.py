"""Video consent: record it, read the one in force, withdraw it.

Upload asks ``consent_in_force`` before it stores anything (assessments/services/upload.py). A
withdrawal fails the patient's queued and running analyses ("consent withdrawn") and then deletes
their videos through the retention service, so the page says when and why each video is gone.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from patients.consent_wording import CURRENT_VERSION, WORDING
from patients.models import Patient, VideoConsent

WITHDRAWN_FAILURE = "consent withdrawn"
WITHDRAWN_REASON = "because the patient withdrew their consent to video"
NO_CONSENT_MESSAGE = (
    "This patient has not consented to being filmed and having the video analysed. "
    "Record their consent on their page first; nothing was stored."
)


def _label(user: Any) -> str:
    return getattr(user, "username", "") or "system"


def consent_in_force(patient: Patient | int) -> VideoConsent | None:
    """The patient's latest consent that is not withdrawn, or None."""
    patient_id = patient if isinstance(patient, int) else patient.pk
    return (
        VideoConsent.objects.filter(patient_id=patient_id, withdrawn_at__isnull=True)
        .order_by("-recorded_at", "-id")
        .first()
    )


def may_film(patient: Patient | int) -> bool:
    consent = consent_in_force(patient)
    return consent is not None and consent.film_and_analyse


def may_use_in_reports(patient: Patient | int) -> bool:
    """May pictures from the patient's video appear in reports (the consent's second scope)?"""
    consent = consent_in_force(patient)
    return consent is not None and consent.film_and_analyse and consent.use_in_reports


# What the athlete reads in the portal when they send a self-check without a consent on file.
NO_CONSENT_SELF_CHECK_MESSAGE = (
    "Thank you for filming your run! Before we can look at your videos, your clinic needs to record your "
    "consent to being filmed and having the video analysed. Ask your clinician at your next visit (it takes "
    "a minute); nothing was stored."
)


def ensure_may_film(patient: Patient | int, *, message: str = NO_CONSENT_MESSAGE, field: str = "visit") -> None:
    """Refuse an upload without consent in force (ValidationError: a 400 with the reason)."""
    if not may_film(patient):
        raise ValidationError({field: message})


@transaction.atomic
def consent_record(
    *,
    patient: Patient,
    recorded_by: Any,
    film_and_analyse: bool,
    use_in_reports: bool,
    wording_version: str = CURRENT_VERSION,
    how_given: str = "in_person",
    recorded_at: Any = None,
) -> VideoConsent:
    """Record a consent given now (or on a paper form signed at ``recorded_at``). A new consent
    replaces the one in force: the older row is kept, marked withdrawn by this recording."""
    if recorded_by is not None and not recorded_by.has_perm("patients.add_videoconsent"):
        raise PermissionDenied("Only clinicians record a patient's consent.")
    if wording_version not in WORDING:
        raise ValidationError({"wording_version": f"Unknown wording version {wording_version!r}."})
    if not film_and_analyse and use_in_reports:
        raise ValidationError({"use_in_reports": "Reports can only use videos the patient agreed to be filmed in."})
    if not film_and_analyse:
        raise ValidationError({"film_and_analyse": "Tick the consent to filming and analysis to record a consent."})
    now = timezone.now()
    recorded_at = recorded_at or now
    if recorded_at > now:
        raise ValidationError({"recorded_at": "A consent cannot be recorded as given in the future."})
    # Serialise with a concurrent withdrawal of the same patient.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    VideoConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).update(
        withdrawn_at=now,
        withdrawn_by=recorded_by,
        withdrawn_by_label=_label(recorded_by),
        withdrawal_reason="replaced by a newer consent",
    )
    consent = VideoConsent(
        patient=patient,
        film_and_analyse=film_and_analyse,
        use_in_reports=use_in_reports,
        wording_version=wording_version,
        how_given=how_given,
        recorded_by=recorded_by,
        recorded_by_label=_label(recorded_by),
        recorded_at=recorded_at,
    )
    consent.full_clean()
    consent.save()
    scope = "film and analyse" + (", use in reports" if use_in_reports else "")
    audit_record(
        actor=recorded_by,
        action=AuditAction.CREATE,
        target=consent,
        patient_id=patient.pk,
        summary=f"video consent recorded ({scope}; wording {wording_version}; {consent.get_how_given_display()})",
    )
    return consent


def consent_withdraw(*, patient: Patient, withdrawn_by: Any, reason: str = "") -> list[int]:
    """Withdraw the consent in force: fail the patient's owed analyses, then delete their videos.

    Returns the assessments whose videos were deleted. The withdrawal and the failed jobs commit
    together; the deletions follow, each in its own transaction (retention's remove function), so
    a storage error leaves the video to the next retention sweep instead of undoing the withdrawal.
    """
    from assessments.models import Assessment, AssessmentStatus
    from assessments.services.jobs import assessment_fail
    from assessments.services.retention import assessment_remove_videos

    if not withdrawn_by.has_perm("patients.change_videoconsent"):
        raise PermissionDenied("Only clinicians record a withdrawal of consent.")
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        consent = consent_in_force(patient)
        if consent is None:
            raise ValidationError({"consent": "This patient has no consent in force to withdraw."})
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = withdrawn_by
        consent.withdrawn_by_label = _label(withdrawn_by)
        consent.withdrawal_reason = reason.strip()[:255]
        consent.full_clean()
        consent.save()
        owed = Assessment.objects.filter(
            patient=patient, status__in=[AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING]
        ).values_list("pk", "job_id")
        stopped = [
            pk for pk, job_id in owed if assessment_fail(assessment_id=pk, job_id=str(job_id), reason=WITHDRAWN_FAILURE)
        ]
        audit_record(
            actor=withdrawn_by,
            action=AuditAction.UPDATE,
            target=consent,
            patient_id=patient.pk,
            summary=f"video consent withdrawn{': ' + consent.withdrawal_reason if consent.withdrawal_reason else ''}; "
            f"{len(stopped)} queued analysis(es) stopped",
        )
    kept = (
        Assessment.objects.filter(patient=patient, video_removed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [
        pk for pk in kept if assessment_remove_videos(assessment_id=pk, reason=WITHDRAWN_REASON, actor=withdrawn_by)
    ]
