"""Scheduling fixtures: a clinician's working week, appointment types, and a booking helper."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from scheduling import services
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentType, WorkingHours
from tests.factories import UserFactory

WEEKDAYS = range(5)


def next_monday(weeks_ahead: int = 1) -> date:
    """A Monday at least a few days away, so 'in the future' holds whatever today is."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday() + 7 * (weeks_ahead - 1))


def monday_at(hour: int, minute: int = 0, *, weeks_ahead: int = 1) -> datetime:
    return at_local(next_monday(weeks_ahead), time(hour, minute))


def give_working_week(clinician, start: time = time(8), end: time = time(18)) -> None:
    for weekday in WEEKDAYS:
        WorkingHours.objects.create(clinician=clinician, weekday=weekday, start=start, end=end)


@pytest.fixture
def follow_up(db) -> AppointmentType:
    # get_or_create: transactional tests flush the rows the data migration seeded.
    return AppointmentType.objects.get_or_create(name="Follow-up", defaults={"default_duration_min": 30})[0]


@pytest.fixture
def initial_evaluation(db) -> AppointmentType:
    return AppointmentType.objects.get_or_create(name="Initial evaluation", defaults={"default_duration_min": 60})[0]


@pytest.fixture
def working_clinician(clinician):
    clinician.first_name, clinician.last_name = "Dana", "Okafor"
    clinician.save()
    give_working_week(clinician)
    return clinician


@pytest.fixture
def other_clinician(db):
    other = UserFactory(role=Role.CLINICIAN, username="clin2", first_name="Lee", last_name="Park")
    give_working_week(other)
    return other


@pytest.fixture
def book(front_desk, follow_up):
    """Book through the real service, as the front desk, a follow-up unless told otherwise."""

    def _book(patient, clinician, starts_at, appointment_type=None, **kwargs) -> Appointment:
        return services.appointment_book(
            patient=patient,
            clinician=clinician,
            starts_at=starts_at,
            appointment_type=appointment_type or follow_up,
            booked_by=kwargs.pop("booked_by", front_desk),
            **kwargs,
        )

    return _book
