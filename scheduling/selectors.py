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
from scheduling.calendar import at_local, local
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarException,
    Weekday,
    WorkingHours,
)

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
    "clinician_id",
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


def own_upcoming_rows(
    *, user: Any, now: datetime | None = None, limit: int = 50
) -> QuerySet[Appointment, dict[str, Any]]:
    """An athlete's own appointments still to come (the selector scopes them to the user's record)."""
    now = now or timezone.now()
    return (
        appointment_queryset_for(user)
        .filter(ends_at__gt=now)
        .exclude(status=AppointmentStatus.CANCELLED)
        .values(*CALENDAR_ROW_FIELDS)[:limit]
    )


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


# Why a clinician has no slot in a search, in the order a front desk would check them.
NO_HOURS = "has no working hours set (add them under Working hours)"
NOT_THOSE_DAYS = "does not work on these days"
TIME_OFF = "is on time off on these days"
FULLY_BOOKED = "is fully booked on these days"
BOOKED_OR_OFF = "is fully booked or on time off on these days"
ATHLETE_BUSY = "is free only when the athlete has another appointment"
PASSED = "has no time left on these days"


@dataclass
class ClinicianSlots:
    clinician: Any
    slots: list[Slot]
    reason: str = ""  # why there is no slot, when there is none


def _slots_of_clinicians(
    *,
    clinicians: list[Any],
    appointment_type: AppointmentType,
    date_from: date,
    date_to: date,
    patient: Patient | None,
    now: datetime,
) -> list[ClinicianSlots]:
    """Every bookable start (each 15 min) per clinician, and for one without any the reason.

    Three queries for all clinicians (hours, live bookings, time off), plus one for the athlete.
    """
    duration = timedelta(minutes=appointment_type.default_duration_min)
    range_start = at_local(date_from, datetime.min.time())
    range_end = at_local(date_to + timedelta(days=1), datetime.min.time())
    ids = [person.pk for person in clinicians]
    blocks: dict[int, dict[int, list[WorkingHours]]] = {}
    for block in WorkingHours.objects.filter(clinician_id__in=ids).order_by("start"):
        blocks.setdefault(block.clinician_id, {}).setdefault(block.weekday, []).append(block)
    booked: dict[int, list[tuple[datetime, datetime]]] = {}
    for clinician_id, busy_start, busy_end in (
        live_overlapping(starts_at=range_start, ends_at=range_end)
        .filter(clinician_id__in=ids)
        .values_list("clinician_id", "starts_at", "ends_at")
    ):
        booked.setdefault(clinician_id, []).append((busy_start, busy_end))
    time_off: dict[int, list[tuple[datetime, datetime]]] = {}
    for clinician_id, off_start, off_end in CalendarException.objects.filter(
        clinician_id__in=ids, starts_at__lt=range_end, ends_at__gt=range_start
    ).values_list("clinician_id", "starts_at", "ends_at"):
        time_off.setdefault(clinician_id, []).append((off_start, off_end))
    patient_busy: list[tuple[datetime, datetime]] = []
    if patient is not None:
        patient_busy = list(
            live_overlapping(starts_at=range_start, ends_at=range_end)
            .filter(patient=patient)
            .values_list("starts_at", "ends_at")
        )
    found = []
    for person in clinicians:
        week = blocks.get(person.pk, {})
        slots: list[Slot] = []
        blocked = {"passed": 0, "off": 0, "booked": 0, "athlete": 0}
        day = date_from
        while day <= date_to:
            for block in week.get(day.weekday(), []):
                start, block_end = at_local(day, block.start), at_local(day, block.end)
                while start + duration <= block_end:
                    end = start + duration
                    if start <= now:
                        blocked["passed"] += 1
                    elif _overlaps(time_off.get(person.pk, []), start, end):
                        blocked["off"] += 1
                    elif _overlaps(booked.get(person.pk, []), start, end):
                        blocked["booked"] += 1
                    elif _overlaps(patient_busy, start, end):
                        blocked["athlete"] += 1
                    else:
                        slots.append(Slot(clinician=person, starts_at=start, ends_at=end))
                    start += timedelta(minutes=SLOT_STEP_MIN)
            day += timedelta(days=1)
        found.append(ClinicianSlots(person, slots, "" if slots else _no_slot_reason(week, blocked)))
    return found


def _no_slot_reason(week: dict[int, list[WorkingHours]], blocked: dict[str, int]) -> str:
    if not week:
        return NO_HOURS
    if not any(blocked.values()):
        days = ", ".join(Weekday(weekday).label for weekday in sorted(week))
        return f"{NOT_THOSE_DAYS} (works {days})"
    if blocked["off"] and blocked["booked"]:
        return BOOKED_OR_OFF
    if blocked["off"]:
        return TIME_OFF
    if blocked["booked"]:
        return FULLY_BOOKED
    if blocked["athlete"]:
        return ATHLETE_BUSY
    return PASSED


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
    clinicians = [clinician] if clinician is not None else list(bookable_clinicians())
    per_clinician = _slots_of_clinicians(
        clinicians=clinicians,
        appointment_type=appointment_type,
        date_from=date_from,
        date_to=date_to,
        patient=patient,
        now=now or timezone.now(),
    )
    slots = [slot for found in per_clinician for slot in found.slots]
    slots.sort(key=lambda slot: (slot.starts_at, slot.clinician.pk))
    return slots[:limit]


@dataclass
class SlotDay:
    day: date
    by_clinician: list[tuple[Any, list[Slot]]]  # clinicians with a free start that day, in name order


@dataclass
class SlotSearch:
    days: list[SlotDay]  # days with at least one free start, from the first day searched
    unavailable: list[ClinicianSlots]  # clinicians without any slot in the range, with the reason
    next_from: date | None  # where "more" continues when the page stopped before the range's end
    searched_to: date  # the last day the page covers


def slot_search(
    *,
    appointment_type: AppointmentType,
    date_from: date,
    date_to: date,
    clinician: Any = None,
    patient: Patient | None = None,
    now: datetime | None = None,
    page_slots: int = 120,
) -> SlotSearch:
    """Free starts grouped by day and clinician, whole days up to about ``page_slots`` starts; the
    rest of the range is the next page (``next_from``), never silently cut off."""
    clinicians = [clinician] if clinician is not None else list(bookable_clinicians())
    per_clinician = _slots_of_clinicians(
        clinicians=clinicians,
        appointment_type=appointment_type,
        date_from=date_from,
        date_to=date_to,
        patient=patient,
        now=now or timezone.now(),
    )
    by_day: dict[date, list[tuple[Any, list[Slot]]]] = {}
    for found in per_clinician:
        per_day: dict[date, list[Slot]] = {}
        for slot in found.slots:
            per_day.setdefault(local(slot.starts_at).date(), []).append(slot)
        for day, slots in per_day.items():
            by_day.setdefault(day, []).append((found.clinician, slots))
    days: list[SlotDay] = []
    shown = 0
    next_from = None
    searched_to = date_to
    for day in sorted(by_day):
        count = sum(len(slots) for _, slots in by_day[day])
        if days and shown + count > page_slots:
            next_from, searched_to = day, day - timedelta(days=1)
            break
        days.append(SlotDay(day, by_day[day]))
        shown += count
    return SlotSearch(
        days=days,
        unavailable=[found for found in per_clinician if not found.slots],
        next_from=next_from,
        searched_to=searched_to,
    )


def sent_reminders(*, user: Any) -> QuerySet[Appointment]:
    return appointment_queryset_for(user).filter(reminder_sent_at__isnull=False).order_by("-reminder_sent_at")
