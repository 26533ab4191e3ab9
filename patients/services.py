"""Writes to patients, complaints, intake and visits: validated, audited, atomic."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, role_of
from accounts.services import invitation_link, user_create
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Complaint, Intake, Patient, Visit

PATIENT_DEMOGRAPHIC_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "referring_doctor",
)
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


def _validate_birth_date(patient: Patient) -> None:
    if patient.date_of_birth and patient.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})


@transaction.atomic
def patient_create(*, created_by: Any, **data: Any) -> Patient:
    patient = Patient()
    _apply(patient, data, PATIENT_DEMOGRAPHIC_FIELDS + PATIENT_RUNNING_FIELDS)
    _validate_birth_date(patient)
    patient.full_clean()
    patient.save()
    audit_record(actor=created_by, action=AuditAction.CREATE, target=patient, patient_id=patient.pk)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, updated_by: Any, data: dict[str, Any]) -> Patient:
    """Change a patient; who may change the running profile is decided by the caller's fields."""
    changed = _apply(patient, data, PATIENT_DEMOGRAPHIC_FIELDS + PATIENT_RUNNING_FIELDS)
    _validate_birth_date(patient)
    patient.full_clean()
    patient.save()
    audit_record(
        actor=updated_by,
        action=AuditAction.UPDATE,
        target=patient,
        patient_id=patient.pk,
        summary="changed " + ", ".join(changed) if changed else "no change",
    )
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
    *,
    patient: Patient,
    clinician: Any,
    visit_date: date,
    created_by: Any,
    subjective: str = "",
    objective: str = "",
    plan: str = "",
) -> Visit:
    visit = Visit(
        patient=patient,
        clinician=clinician,
        visit_date=visit_date,
        subjective=subjective,
        objective=objective,
        plan=plan,
    )
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
        actor=updated_by,
        action=AuditAction.UPDATE,
        target=visit,
        patient_id=visit.patient_id,
        summary="changed " + ", ".join(changed) if changed else "",
    )
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
        actor=updated_by,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=intake,
        patient_id=patient.pk,
        summary=", ".join(changed),
    )
    return intake


@transaction.atomic
def athlete_invite(
    *, patient: Patient, invited_by: Any, other_email: str = "", other_email_confirmed: bool = False
) -> User:
    """Give the patient a portal account (or renew the link) and e-mail them the link.

    The link opens the patient's clinical record, so it goes to the address on the record; another
    address only when the inviter typed it and confirmed it is the patient's (a typo or a stranger's
    address would hand the record to someone else). Who sent it where is in the audit trail.
    """
    if not invited_by.has_perm("accounts.invite_athlete"):
        raise PermissionDenied("Only clinicians invite athletes to the portal.")
    other_email = other_email.strip().lower()
    record_email = patient.email.strip().lower()
    if other_email and other_email != record_email:
        if not other_email_confirmed:
            raise ValidationError(
                {"confirm_other_email": "Confirm that this address is the athlete's own, or leave it empty."}
            )
        email, where = other_email, f"another address, confirmed by the inviter: {other_email}"
    elif record_email:
        email, where = record_email, "the address on the patient's record"
    else:
        raise ValidationError(
            {"other_email": "The record has no e-mail address: add it to the record, or enter and confirm one here."}
        )
    user = patient.user
    created = user is None
    if user is None:
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"other_email": "A person with this e-mail address already has an account."})
        user = user_create(
            username=email,
            email=email,
            role=Role.ATHLETE,
            first_name=patient.first_name,
            last_name=patient.last_name,
        )
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    elif user.has_usable_password():
        raise ValidationError(
            {"other_email": "This athlete has already set a password; they can use 'Forgot password'."}
        )
    elif user.email != email:
        raise ValidationError({"other_email": f"This athlete's invitation went to {user.email}; send it there again."})
    audit_record(
        actor=invited_by,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=user,
        patient_id=patient.pk,
        summary=f"Portal invitation e-mailed to {where}",
    )
    context = {
        "patient": patient,
        "link": invitation_link(user),
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Your {settings.CLINIC_NAME} athlete portal",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user
