"""Reads of calendars and appointments, scoped to what the requesting user may see; free slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone

from patients.models import Patient, Visit
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentStatus, AppointmentType, CalendarException, WorkingHours

SLOT_STEP_MIN = 15


def appointment_queryset_for(user: Any) -> QuerySet[Appointment]:
    """Front desk and admins see every calendar; clinicians their own and their patients'; athletes their own."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("scheduling.view_appointment"):
        return Appointment.objects.none()
    appointments = Appointment.objects.select_related("patient", "clinician", "appointment_type", "room")
    if user.has_perm("scheduling.view_any_appointment"):
        return appointments
    if user.has_perm("scheduling.keep_calendar"):
        seen = Visit.objects.filter(clinician=user).values("patient_id")
        booked = Appointment.objects.filter(clinician=user).values("patient_id")
        return appointments.filter(Q(clinician=user) | Q(patient_id__in=seen) | Q(patient_id__in=booked))
    return appointments.filter(patient__user=user)


# What a calendar row shows. A whole clinic's week is hundreds of rows: as plain values they cost
# a fraction of model instances with four related objects each.
CALENDAR_ROW_FIELDS = (
    "id",
    "starts_at",
    "ends_at",
    "status",
    "reminder_sent_at",
    "patient__first_name",
    "patient__last_name",
    "clinician__first_name",
    "clinician__last_name",
    "clinician__username",
    "appointment_type__name",
    "room__name",
)


def calendar_rows(
    *, user: Any, starts: datetime, ends: datetime, clinician_id: int | None = None, include_cancelled: bool = False
) -> QuerySet[Appointment, dict[str, Any]]:
    """Appointments starting in [starts, ends) that the user may see, as CALENDAR_ROW_FIELDS values."""
    appointments = appointment_queryset_for(user).filter(starts_at__gte=starts, starts_at__lt=ends)
    if clinician_id is not None:
        appointments = appointments.filter(clinician_id=clinician_id)
    if not include_cancelled:
        appointments = appointments.exclude(status=AppointmentStatus.CANCELLED)
    return appointments.values(*CALENDAR_ROW_FIELDS)


def upcoming_for_patient(*, user: Any, patient: Patient, now: datetime | None = None) -> QuerySet[Appointment]:
    now = now or timezone.now()
    return appointment_queryset_for(user).filter(patient=patient, status=AppointmentStatus.BOOKED, ends_at__gt=now)


def bookable_clinicians() -> QuerySet[Any]:
    """Users who keep a calendar (the clinician role holds ``keep_calendar``)."""
    perm = Permission.objects.get(content_type__app_label="scheduling", codename="keep_calendar")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def active_appointment_types() -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(is_active=True)


def live_overlapping(*, starts_at: datetime, ends_at: datetime) -> QuerySet[Appointment]:
    """Non-cancelled appointments overlapping the half-open span [starts_at, ends_at)."""
    return Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at
    )


def working_blocks_on(*, clinician: Any, day: date) -> list[WorkingHours]:
    return list(WorkingHours.objects.filter(clinician=clinician, weekday=day.weekday()).order_by("start"))


def exceptions_overlapping(*, clinician: Any, starts_at: datetime, ends_at: datetime) -> QuerySet[CalendarException]:
    return CalendarException.objects.filter(clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at)


@dataclass(frozen=True)
class Slot:
    clinician: Any
    starts_at: datetime
    ends_at: datetime


def _overlaps(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(busy_start < end and busy_end > start for busy_start, busy_end in spans)


def free_slots(
    *,
    appointment_type: AppointmentType,
    date_from: date,
    date_to: date,
    clinician: Any = None,
    patient: Patient | None = None,
    now: datetime | None = None,
    limit: int = 60,
) -> list[Slot]:
    """Bookable starts (every 15 min) inside working hours, clear of exceptions and live bookings."""
    now = now or timezone.now()
    duration = timedelta(minutes=appointment_type.default_duration_min)
    clinicians = [clinician] if clinician is not None else list(bookable_clinicians())
    range_start = at_local(date_from, datetime.min.time())
    range_end = at_local(date_to + timedelta(days=1), datetime.min.time())
    patient_busy: list[tuple[datetime, datetime]] = []
    if patient is not None:
        patient_busy = list(
            live_overlapping(starts_at=range_start, ends_at=range_end)
            .filter(patient=patient)
            .values_list("starts_at", "ends_at")
        )
    slots: list[Slot] = []
    for person in clinicians:
        blocks: dict[int, list[WorkingHours]] = {}
        for block in WorkingHours.objects.filter(clinician=person):
            blocks.setdefault(block.weekday, []).append(block)
        busy = list(
            live_overlapping(starts_at=range_start, ends_at=range_end)
            .filter(clinician=person)
            .values_list("starts_at", "ends_at")
        )
        busy += list(
            exceptions_overlapping(clinician=person, starts_at=range_start, ends_at=range_end).values_list(
                "starts_at", "ends_at"
            )
        )
        day = date_from
        while day <= date_to:
            for block in sorted(blocks.get(day.weekday(), []), key=lambda b: b.start):
                start = at_local(day, block.start)
                block_end = at_local(day, block.end)
                while start + duration <= block_end:
                    end = start + duration
                    if start > now and not _overlaps(busy, start, end) and not _overlaps(patient_busy, start, end):
                        slots.append(Slot(clinician=person, starts_at=start, ends_at=end))
                    start += timedelta(minutes=SLOT_STEP_MIN)
            day += timedelta(days=1)
    slots.sort(key=lambda slot: (slot.starts_at, slot.clinician.pk))
    return slots[:limit]


def sent_reminders(*, user: Any) -> QuerySet[Appointment]:
    return appointment_queryset_for(user).filter(reminder_sent_at__isnull=False).order_by("-reminder_sent_at")
