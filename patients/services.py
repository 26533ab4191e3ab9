"""Writes to patients, complaints, intake and visits: validated, audited, atomic."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role, role_of
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Complaint, Intake, Patient, Visit

PATIENT_DEMOGRAPHIC_FIELDS = (
    "first_name", "last_name", "date_of_birth", "sex", "email", "phone", "address",
    "emergency_contact_name", "emergency_contact_phone", "referring_doctor", "consent_video",
)  # fmt: skip
PATIENT_RUNNING_FIELDS = ("weekly_distance_km", "years_running", "goal_event", "shoes")
VISIT_NOTE_FIELDS = ("visit_date", "subjective", "objective", "plan")


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


def _stamp_consent(patient: Patient, changed: list[str]) -> None:
    if "consent_video" in changed or patient.pk is None:
        patient.consent_video_at = timezone.now() if patient.consent_video else None


def _validate_birth_date(patient: Patient) -> None:
    if patient.date_of_birth and patient.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})


@transaction.atomic
def patient_create(*, created_by: Any, **data: Any) -> Patient:
    patient = Patient()
    _apply(patient, data, PATIENT_DEMOGRAPHIC_FIELDS + PATIENT_RUNNING_FIELDS)
    _stamp_consent(patient, [])
    _validate_birth_date(patient)
    patient.full_clean()
    patient.save()
    audit_record(actor=created_by, action=AuditAction.CREATE, target=patient, patient_id=patient.pk)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, updated_by: Any, data: dict[str, Any]) -> Patient:
    """Change a patient; who may change the running profile is decided by the caller's fields."""
    changed = _apply(patient, data, PATIENT_DEMOGRAPHIC_FIELDS + PATIENT_RUNNING_FIELDS)
    _stamp_consent(patient, changed)
    _validate_birth_date(patient)
    patient.full_clean()
    patient.save()
    audit_record(
        actor=updated_by, action=AuditAction.UPDATE, target=patient, patient_id=patient.pk,
        summary="changed " + ", ".join(changed) if changed else "no change",
    )  # fmt: skip
    return patient


def _validate_visit(visit: Visit) -> None:
    if role_of(visit.clinician) not in (Role.CLINICIAN, Role.ADMIN):
        raise ValidationError({"clinician": "The visit must be led by a clinician."})
    if visit.visit_date > timezone.localdate():
        raise ValidationError({"visit_date": "A visit cannot be recorded in the future."})
    if visit.visit_date < visit.patient.date_of_birth:
        raise ValidationError({"visit_date": "The visit date is before the patient's date of birth."})


@transaction.atomic
def visit_create(
    *, patient: Patient, clinician: Any, visit_date: date, created_by: Any,
    subjective: str = "", objective: str = "", plan: str = "",
) -> Visit:  # fmt: skip
    visit = Visit(
        patient=patient, clinician=clinician, visit_date=visit_date,
        subjective=subjective, objective=objective, plan=plan,
    )  # fmt: skip
    _validate_visit(visit)
    visit.full_clean()
    visit.save()
    audit_record(actor=created_by, action=AuditAction.CREATE, target=visit, patient_id=patient.pk)
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, updated_by: Any, data: dict[str, Any]) -> Visit:
    data = dict(data)
    if "clinician" in data:
        visit.clinician = data.pop("clinician")
    changed = _apply(visit, data, VISIT_NOTE_FIELDS)
    _validate_visit(visit)
    visit.full_clean()
    visit.save()
    audit_record(
        actor=updated_by, action=AuditAction.UPDATE, target=visit, patient_id=visit.patient_id,
        summary="changed " + ", ".join(changed) if changed else "",
    )  # fmt: skip
    return visit


@transaction.atomic
def complaint_create(*, patient: Patient, created_by: Any, **data: Any) -> Complaint:
    complaint = Complaint(patient=patient)
    _apply(complaint, data, ("condition", "body_region", "side", "onset_date", "notes", "is_resolved"))
    complaint.full_clean()
    complaint.save()
    audit_record(actor=created_by, action=AuditAction.CREATE, target=complaint, patient_id=patient.pk)
    return complaint


@transaction.atomic
def intake_save(*, patient: Patient, updated_by: Any, data: dict[str, Any]) -> Intake:
    intake, created = Intake.objects.get_or_create(patient=patient)
    fields = tuple(f.name for f in Intake._meta.fields if f.name not in ("id", "patient", "updated_at"))
    changed = _apply(intake, data, fields)
    intake.full_clean()
    intake.save()
    audit_record(
        actor=updated_by, action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=intake, patient_id=patient.pk, summary=", ".join(changed),
    )  # fmt: skip
    return intake
