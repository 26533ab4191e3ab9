"""Demo calendar for the embedded run: the demo clinician's week and a few bookings. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from patients.models import Patient
from scheduling import services
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentStatus, AppointmentType, Weekday, WorkingHours

DEMO_HOURS = (time(8, 0), time(18, 0))
# (patient first name, last name, working days from today, clock, type)
DEMO_BOOKINGS = (
    ("Alex", "Morgan", 1, time(9, 0), "Follow-up"),
    ("Jordan", "Baker", 1, time(10, 0), "Video re-assessment"),
    ("Priya", "Shah", 2, time(8, 30), "Follow-up"),
    ("Tom", "Nguyen", 3, time(14, 0), "Initial evaluation"),
)


def seed_schedule_demo(*, clinician: Any, booked_by: Any) -> None:
    if not WorkingHours.objects.filter(clinician=clinician).exists():
        for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
            services.working_hours_add(
                clinician=clinician, weekday=weekday, start=DEMO_HOURS[0], end=DEMO_HOURS[1], added_by=booked_by
            )
    now = timezone.now()
    if Appointment.objects.filter(clinician=clinician, status=AppointmentStatus.BOOKED, starts_at__gt=now).exists():
        return
    working_days: list[date] = []
    day = timezone.localdate()
    while len(working_days) < 4:
        day += timedelta(days=1)
        if day.weekday() < 5:
            working_days.append(day)
    for first, last, offset, clock, type_name in DEMO_BOOKINGS:
        patient = Patient.objects.filter(first_name=first, last_name=last).first()
        if patient is None:
            continue
        services.appointment_book(
            patient=patient,
            clinician=clinician,
            appointment_type=AppointmentType.objects.get(name=type_name),
            starts_at=at_local(working_days[offset - 1], clock),
            booked_by=booked_by,
        )
