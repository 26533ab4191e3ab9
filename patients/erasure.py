"""Erasure of a patient's personal data and media (the right to erasure), by an admin.

What goes: names, contact details, date of birth, free text (complaint, intake and visit notes,
interpretations, log notes, programme and appointment notes), the portal account's identity, and
every stored file (videos, renditions, landmarks, keyframes, built exports). What stays: the
row ids and the numbers (no longer linked to a person), and an audit tombstone: who erased which
patient id, when and why. Refused while the patient is under legal hold.

The audit trail itself is append-only and is not rewritten (it is the record of who saw what).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import user_deactivate
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Complaint, Intake, Patient, Sex, VideoConsent, Visit

ERASED_FAILURE = "the patient's data was erased"
ERASED_BIRTH_DATE = datetime.date(1900, 1, 1)  # the column is required; this date is no one's


def _files_of(assessment: Any) -> list[str]:
    """Every stored file of an assessment: the video and its renditions, landmarks, keyframes."""
    from assessments.services.retention import VIDEO_FILE_FIELDS

    names = [getattr(assessment, field).name for field in (*VIDEO_FILE_FIELDS, "landmarks")]
    for keyframe in assessment.keyframes or []:
        names += [keyframe.get("name", ""), keyframe.get("page_name", "")]
    names += assessment.steps.exclude(file="").values_list("file", flat=True)  # chunk results not yet merged
    return [name for name in names if name]


def patient_erase(*, patient: Patient, erased_by: Any, reason: str) -> Patient:
    """Erase the patient's personal data and media, leaving a tombstone in the audit trail."""
    from assessments.models import Assessment, AssessmentStatus, private_storage
    from assessments.services.jobs import assessment_fail
    from exports.models import DataExport, ExportStatus
    from programs.models import ExerciseLog, PrescribedExercise, Prescription, SessionLog
    from scheduling.models import Appointment

    if not erased_by.has_perm("patients.erase_patient"):
        raise PermissionDenied("Only an admin erases a patient's data.")
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise ValidationError({"reason": "Say why the data is erased (e.g. the patient's request of <date>)."})
    files: list[str] = []
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if locked.legal_hold:
            raise ValidationError(
                {
                    "legal_hold": f"Patient {locked.pk} is under legal hold ({locked.legal_hold_reason or 'no reason given'}): "
                    "their data cannot be erased until an admin lifts the hold."
                }
            )
        if locked.erased_at is not None:
            raise ValidationError({"patient": f"Patient {locked.pk}'s data was already erased."})
        # A running analysis would write keyframes back after the files are gone.
        owed = Assessment.objects.filter(
            patient=locked, status__in=[AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING]
        ).values_list("pk", "job_id")
        for pk, job_id in owed:
            assessment_fail(assessment_id=pk, job_id=str(job_id), reason=ERASED_FAILURE)
        now = timezone.now()
        for assessment in Assessment.objects.filter(patient=locked):
            files += _files_of(assessment)
        Assessment.objects.filter(patient=locked).update(
            video="",
            preview="",
            playback="",
            landmarks="",
            keyframes=[],
            # Pictures still being drawn would be written back after the files are gone: not any more.
            pictures_pending=False,
            original_filename="",
            interpretation="",
            acceptance_note="",
            review_comment="",  # a self-check's review: the clinician's words to the athlete
            video_removed_at=now,
            video_removed_reason="when the patient's data was erased",
        )
        for export in DataExport.objects.filter(patient=locked).exclude(file=""):
            files.append(export.file.name or "")
        DataExport.objects.filter(patient=locked).update(file="", status=ExportStatus.EXPIRED)
        Complaint.objects.filter(patient=locked).update(notes="")
        Intake.objects.filter(patient=locked).update(notes="")
        Visit.objects.filter(patient=locked).update(subjective="", objective="", plan="")
        SessionLog.objects.filter(patient=locked).update(note="")
        ExerciseLog.objects.filter(session__patient=locked).update(note="")
        Prescription.objects.filter(patient=locked).update(gait_cues="", change_reason="")
        PrescribedExercise.objects.filter(prescription__patient=locked).update(notes="")
        Appointment.objects.filter(patient=locked).update(cancel_reason="", reminder_sent_to="")
        VideoConsent.objects.filter(patient=locked).update(withdrawal_reason="")
        user = locked.user
        if user is not None:
            user_deactivate(user=user, by=erased_by)  # ends sessions, revokes API tokens
            user.username, user.email, user.first_name, user.last_name = f"erased-{user.pk}", "", "", ""
            user.set_unusable_password()
            user.save()
        Patient.objects.filter(pk=locked.pk).update(
            first_name="Erased",
            last_name=f"patient {locked.pk}",
            date_of_birth=ERASED_BIRTH_DATE,
            sex=Sex.UNDISCLOSED,
            email="",
            phone="",
            address="",
            emergency_contact_name="",
            emergency_contact_phone="",
            referring_doctor="",
            goal_event="",
            shoes="",
            is_active=False,
            erased_at=now,
            updated_at=now,
        )
        audit_record(
            actor=erased_by,
            action=AuditAction.DELETE,
            target=locked,
            patient_id=locked.pk,
            summary=f"personal data and media erased: {reason}",
        )
    # Files after the commit: a rolled-back erasure must not have lost them. A file that fails to
    # go is left for the storage's own cleanup; the rows no longer name it.
    storage = private_storage()
    for name in files:
        storage.delete(name)
    patient.refresh_from_db()
    return patient
