"""Booking, moving, cancelling appointments; reminders; calendar feeds. Validated, audited, atomic.

No double booking: every write that makes an appointment live runs its overlap check and its
insert in one transaction. On SQLite the transaction takes the write lock at BEGIN (the
database runs with transaction_mode IMMEDIATE), so bookings are serialised; on PostgreSQL two
racing transactions can both pass the check, and the exclusion constraints added by migration
0003 reject the second insert, which is turned into the same ``SlotTaken`` error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient
from scheduling import selectors
from scheduling.calendar import as_aware, describe_span, local
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarException,
    CalendarFeed,
    Room,
    WorkingHours,
)

logger = logging.getLogger(__name__)

# Names of the PostgreSQL exclusion constraints (migration 0003).
OVERLAP_CONSTRAINTS = ("appointment_no_clinician_overlap", "appointment_no_patient_overlap")
# Simultaneous bookings of one slot can deadlock inside PostgreSQL's exclusion-constraint check (each
# insert waits for the other's row). PostgreSQL aborts one; its savepoint is rolled back and the
# booking tried again, which then meets the winner's row as an ordinary overlap.
DEADLOCK_DETECTED = "40P01"
DEADLOCK_RETRIES = 3
REMINDER_LEAD = timedelta(hours=24)
RESCHEDULED_REASON = "Rescheduled"


class SlotTaken(Exception):
    """The requested time overlaps a live appointment of the same clinician or patient."""

    def __init__(self, message: str, clash: Appointment | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.clash = clash


def _person(user: Any) -> str:
    return user.get_full_name() or user.username


def _clash_message(appointment: Appointment, clash: Appointment | None) -> str:
    if clash is None:
        return "That time was just taken by another booking. Please pick another slot."
    when = describe_span(clash.starts_at, clash.ends_at)
    if clash.clinician_id == appointment.clinician_id:
        return (
            f"{_person(appointment.clinician)} is already booked on {when} "
            f"({clash.appointment_type.name} with {clash.patient.full_name}). Please pick another slot."
        )
    return (
        f"{appointment.patient.full_name} already has an appointment on {when} "
        f"({clash.appointment_type.name} with {_person(clash.clinician)}). Please pick another slot."
    )


def _find_clash(appointment: Appointment) -> Appointment | None:
    overlapping = selectors.live_overlapping(starts_at=appointment.starts_at, ends_at=appointment.ends_at)
    if appointment.pk:
        overlapping = overlapping.exclude(pk=appointment.pk)
    overlapping = overlapping.select_related("patient", "clinician", "appointment_type")
    return (
        overlapping.filter(clinician_id=appointment.clinician_id).first()
        or overlapping.filter(patient_id=appointment.patient_id).first()
    )


def _validate_calendar(appointment: Appointment, *, now: datetime) -> None:
    """The clinician keeps a calendar, works then, and is not on leave; the time is in the future."""
    clinician = appointment.clinician
    if not clinician.is_active or not clinician.has_perm("scheduling.keep_calendar"):
        raise ValidationError({"clinician": f"{_person(clinician)} does not take appointments."})
    if appointment.starts_at <= now:
        raise ValidationError({"starts_at": "Appointments can only be booked in the future."})
    start, end = local(appointment.starts_at), local(appointment.ends_at)
    blocks = selectors.working_blocks_on(clinician=clinician, day=start.date())
    fits = end.date() == start.date() and any(b.start <= start.time() and end.time() <= b.end for b in blocks)
    if not fits:
        hours = ", ".join(f"{b.start:%H:%M}-{b.end:%H:%M}" for b in blocks)
        worked = f"works {hours} on {start:%A}s" if hours else f"does not work on {start:%A}s"
        raise ValidationError(
            {"starts_at": f"Outside working hours: {_person(clinician)} {worked} ({settings.TIME_ZONE} time)."}
        )
    leave = selectors.exceptions_overlapping(
        clinician=clinician, starts_at=appointment.starts_at, ends_at=appointment.ends_at
    ).first()
    if leave is not None:
        raise ValidationError(
            {
                "starts_at": f"{_person(clinician)} is unavailable ({leave.get_reason_display().lower()}) "
                f"on {describe_span(leave.starts_at, leave.ends_at)}."
            }
        )


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "pgcode", None) == DEADLOCK_DETECTED


def _save_live(appointment: Appointment) -> None:
    """Check for clashes and insert in one transaction; a constraint violation becomes SlotTaken."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                clash = _find_clash(appointment)
                if clash is not None:
                    raise SlotTaken(_clash_message(appointment, clash), clash)
                appointment.save()
            return
        except OperationalError as exc:
            if not _is_deadlock(exc):
                raise
            if attempt == DEADLOCK_RETRIES:
                raise SlotTaken("Other bookings for this slot are being made right now. Please try again.") from exc
        except IntegrityError as exc:
            if not any(name in str(exc) for name in OVERLAP_CONSTRAINTS):
                raise
            clash = _find_clash(appointment)
            raise SlotTaken(_clash_message(appointment, clash), clash) from exc


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    clinician: Any,
    appointment_type: AppointmentType,
    starts_at: datetime,
    booked_by: Any,
    room: Room | None = None,
    duration_min: int | None = None,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Book a live appointment. Raises ValidationError (hours, leave, past) or SlotTaken (overlap)."""
    starts_at = as_aware(starts_at).astimezone(UTC)
    minutes = duration_min or appointment_type.default_duration_min
    if minutes <= 0 or minutes > 8 * 60:
        raise ValidationError({"duration_min": "The length must be between 1 minute and 8 hours."})
    if not appointment_type.is_active:
        raise ValidationError({"appointment_type": f"{appointment_type.name} is no longer offered."})
    if not patient.is_active:
        raise ValidationError({"patient": f"{patient.full_name} is no longer an active patient."})
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        appointment_type=appointment_type,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        created_by=booked_by if getattr(booked_by, "is_authenticated", False) else None,
        rescheduled_from=rescheduled_from,
    )
    _validate_calendar(appointment, now=timezone.now())
    appointment.full_clean(exclude=["rescheduled_from"])
    _save_live(appointment)
    summary = f"booked {describe_span(appointment.starts_at, appointment.ends_at)} with {_person(clinician)}"
    audit_record(actor=booked_by, action=AuditAction.CREATE, target=appointment, patient_id=patient.pk, summary=summary)
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "clinician", "appointment_type", "room")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    starts_at: datetime,
    moved_by: Any,
    clinician: Any = None,
    room: Room | None = None,
    duration_min: int | None = None,
) -> Appointment:
    """Reschedule: the old appointment is cancelled as 'Rescheduled' and linked from a new booking."""
    old = _locked(appointment)
    if old.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {"status": f"Only booked appointments can be moved (this one is {old.get_status_display().lower()})."}
        )
    minutes = duration_min or int((old.ends_at - old.starts_at).total_seconds() // 60)
    old.status = AppointmentStatus.CANCELLED
    old.cancel_reason = RESCHEDULED_REASON
    old.save(update_fields=["status", "cancel_reason", "updated_at"])
    new = appointment_book(
        patient=old.patient,
        clinician=clinician or old.clinician,
        appointment_type=old.appointment_type,
        starts_at=starts_at,
        booked_by=moved_by,
        room=room if room is not None else old.room,
        duration_min=minutes,
        rescheduled_from=old,
    )
    audit_record(
        actor=moved_by,
        action=AuditAction.UPDATE,
        target=old,
        patient_id=old.patient_id,
        summary=f"rescheduled to appointment {new.pk}",
    )
    return new


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, cancelled_by: Any, reason: str) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Please give a reason for the cancellation."})
    locked = _locked(appointment)
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": f"This appointment is already {locked.get_status_display().lower()}."})
    locked.status = AppointmentStatus.CANCELLED
    locked.cancel_reason = reason[:255]
    locked.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(
        actor=cancelled_by,
        action=AuditAction.UPDATE,
        target=locked,
        patient_id=locked.patient_id,
        summary=f"cancelled: {locked.cancel_reason}",
    )
    return locked


def restore_refusal(appointment: Appointment, *, now: datetime | None = None) -> str:
    """Why a cancelled appointment cannot be put back, or "" if it can (before any clash check).

    A move cancels the old booking as 'Rescheduled': that one is undone by moving again, not here.
    """
    if appointment.status != AppointmentStatus.CANCELLED:
        return f"This appointment is {appointment.get_status_display().lower()}, not cancelled."
    if appointment.cancel_reason == RESCHEDULED_REASON or hasattr(appointment, "rescheduled_to"):
        return "This appointment was moved; open the new time to change it."
    if appointment.starts_at <= (now or timezone.now()):
        return "The time of this appointment has passed."
    return ""


def restore_blocker(appointment: Appointment) -> str:
    """What stands in the way of undoing this cancel now ("" when the undo would go through):
    the page offers the undo only while the slot is still free."""
    refusal = restore_refusal(appointment)
    if refusal:
        return refusal
    probe = Appointment(
        pk=appointment.pk,
        clinician_id=appointment.clinician_id,
        patient_id=appointment.patient_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )
    clash = _find_clash(probe)
    return "" if clash is None else "The slot was booked again since the cancel, so it cannot be undone."


@transaction.atomic
def appointment_restore(*, appointment: Appointment, restored_by: Any) -> Appointment:
    """Undo a cancel while its slot is still free: the same appointment is booked again, audited.

    Raises ValidationError (moved, passed, outside hours or on leave now) or SlotTaken (the freed
    slot was booked by someone else meanwhile).
    """
    locked = _locked(appointment)
    refusal = restore_refusal(locked)
    if refusal:
        raise ValidationError({"status": refusal})
    _validate_calendar(locked, now=timezone.now())
    reason = locked.cancel_reason
    locked.status = AppointmentStatus.BOOKED
    locked.cancel_reason = ""
    clash = _find_clash(locked)
    if clash is not None:
        raise SlotTaken(f"The slot was booked again since the cancel. {_clash_message(locked, clash)}", clash)
    try:
        with transaction.atomic():
            locked.save(update_fields=["status", "cancel_reason", "updated_at"])
    except (IntegrityError, OperationalError) as exc:  # PostgreSQL's exclusion constraint: a racing booking won
        racing = (
            _is_deadlock(exc) if isinstance(exc, OperationalError) else any(n in str(exc) for n in OVERLAP_CONSTRAINTS)
        )
        if not racing:
            raise
        raise SlotTaken("The slot was booked again since the cancel. Please pick another slot.") from exc
    audit_record(
        actor=restored_by,
        action=AuditAction.UPDATE,
        target=locked,
        patient_id=locked.patient_id,
        summary=f"cancel undone (was: {reason})",
    )
    return locked


def _set_outcome(appointment: Appointment, by: Any, status: AppointmentStatus, now: datetime | None) -> Appointment:
    locked = _locked(appointment)
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": f"This appointment is already {locked.get_status_display().lower()}."})
    if locked.starts_at > (now or timezone.now()):
        raise ValidationError({"status": "The appointment has not started yet."})
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=locked, patient_id=locked.patient_id, summary=status)
    return locked


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment, marked_by: Any, now: datetime | None = None) -> Appointment:
    return _set_outcome(appointment, marked_by, AppointmentStatus.NO_SHOW, now)


@transaction.atomic
def appointment_complete(*, appointment: Appointment, marked_by: Any, now: datetime | None = None) -> Appointment:
    return _set_outcome(appointment, marked_by, AppointmentStatus.COMPLETED, now)


# Reminders -------------------------------------------------------------------------------


def reminder_send(*, appointment_id: int, now: datetime | None = None) -> bool:
    """E-mail one reminder, at most once: the row is claimed by a conditional update first."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_related("patient", "clinician", "appointment_type")
        .filter(pk=appointment_id, status=AppointmentStatus.BOOKED, reminder_sent_at__isnull=True)
        .first()
    )
    if appointment is None or not appointment.patient.email:
        return False
    # Two runs racing: only the one whose UPDATE matched the unclaimed row sends the e-mail.
    claimed = Appointment.objects.filter(
        pk=appointment_id, status=AppointmentStatus.BOOKED, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now, reminder_sent_to=appointment.patient.email)
    if not claimed:
        return False
    context = {
        "appointment": appointment,
        "starts_local": local(appointment.starts_at),
        "clinician_name": _person(appointment.clinician),
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "portal_url": settings.SITE_URL + reverse("patients:my-record"),
        "time_zone": settings.TIME_ZONE,
    }
    try:
        send_mail(
            subject=f"Reminder: your {appointment.appointment_type.name.lower()} at {settings.CLINIC_NAME}, "
            f"{context['starts_local']:%A} {context['starts_local']:%H:%M}",
            message=render_to_string("scheduling/email/reminder.txt", context),
            from_email=None,
            recipient_list=[appointment.patient.email],
        )
    except Exception:
        # Release the claim so the next run tries again.
        Appointment.objects.filter(pk=appointment_id).update(reminder_sent_at=None, reminder_sent_to="")
        logger.exception("Reminder for appointment %s could not be sent", appointment_id)
        return False
    return True


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send every reminder due now (appointments starting within 24 h); safe to run twice."""
    now = now or timezone.now()
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_LEAD,
    ).exclude(patient__email="")
    return sum(reminder_send(appointment_id=pk, now=now) for pk in due.values_list("pk", flat=True))


# Calendar feeds --------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_renew(*, clinician: Any) -> CalendarFeed:
    """A new private feed URL for the clinician; any previous URL stops working."""
    CalendarFeed.objects.filter(clinician=clinician).delete()
    return CalendarFeed.objects.create(clinician=clinician)


@transaction.atomic
def calendar_feed_revoke(*, clinician: Any) -> None:
    CalendarFeed.objects.filter(clinician=clinician).delete()


# Working hours and exceptions ------------------------------------------------------------


@transaction.atomic
def working_hours_add(*, clinician: Any, weekday: int, start: Any, end: Any, added_by: Any) -> WorkingHours:
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    overlapping = WorkingHours.objects.filter(clinician=clinician, weekday=weekday, start__lt=end, end__gt=start)
    if overlapping.exists():
        raise ValidationError({"start": "This overlaps working hours already set for that day."})
    block = WorkingHours(clinician=clinician, weekday=weekday, start=start, end=end)
    block.full_clean()
    block.save()
    audit_record(actor=added_by, action=AuditAction.CREATE, target=block, summary=str(block))
    return block


@transaction.atomic
def working_hours_delete(*, block: WorkingHours, deleted_by: Any) -> None:
    audit_record(actor=deleted_by, action=AuditAction.DELETE, target=block, summary=str(block))
    block.delete()


@transaction.atomic
def calendar_exception_add(
    *, clinician: Any, starts_at: datetime, ends_at: datetime, reason: str, added_by: Any, note: str = ""
) -> CalendarException:
    if ends_at <= starts_at:
        raise ValidationError({"last_day": "The last day must not be before the first day."})
    exception = CalendarException(clinician=clinician, starts_at=starts_at, ends_at=ends_at, reason=reason, note=note)
    exception.full_clean()
    exception.save()
    audit_record(actor=added_by, action=AuditAction.CREATE, target=exception, summary=str(exception))
    return exception


@transaction.atomic
def calendar_exception_delete(*, exception: CalendarException, deleted_by: Any) -> None:
    audit_record(actor=deleted_by, action=AuditAction.DELETE, target=exception, summary=str(exception))
    exception.delete()
