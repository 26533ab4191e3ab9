"""The booking rules, through the service, on whichever database the suite runs on."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from scheduling import selectors, services
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentStatus, CalendarException, ExceptionReason
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = pytest.mark.django_db


def test_booking_stores_utc_and_default_length(book, working_clinician, athlete_a, follow_up):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.starts_at == monday_at(10)
    assert stored.ends_at - stored.starts_at == timedelta(minutes=30)
    assert stored.status == AppointmentStatus.BOOKED
    assert stored.created_by.username == "desk"


def test_back_to_back_appointments_are_allowed(book, working_clinician, athlete_a, athlete_b):
    first = book(athlete_a[1], working_clinician, monday_at(10))
    second = book(athlete_b[1], working_clinician, monday_at(10, 30))
    assert first.ends_at == second.starts_at
    assert Appointment.objects.filter(clinician=working_clinician).count() == 2


def test_overlapping_booking_is_refused_naming_the_clashing_slot(book, working_clinician, athlete_a, athlete_b):
    book(athlete_a[1], working_clinician, monday_at(10))
    with pytest.raises(services.SlotTaken) as caught:
        book(athlete_b[1], working_clinician, monday_at(10, 15))
    assert "Dana Okafor is already booked" in caught.value.message
    assert "10:00-10:30" in caught.value.message
    assert "Ada Alpha" in caught.value.message
    assert caught.value.clash.patient == athlete_a[1]
    assert Appointment.objects.filter(clinician=working_clinician).count() == 1


def test_another_clinician_can_be_booked_at_the_same_time(
    book, working_clinician, other_clinician, athlete_a, athlete_b
):
    book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], other_clinician, monday_at(10))
    assert Appointment.objects.count() == 2


def test_a_patient_cannot_be_booked_twice_at_once(book, working_clinician, other_clinician, athlete_a):
    book(athlete_a[1], working_clinician, monday_at(10))
    with pytest.raises(services.SlotTaken) as caught:
        book(athlete_a[1], other_clinician, monday_at(10, 15))
    assert "Ada Alpha already has an appointment" in caught.value.message
    assert Appointment.objects.count() == 1


def test_cancelled_slot_can_be_booked_again(book, front_desk, working_clinician, athlete_a, athlete_b):
    first = book(athlete_a[1], working_clinician, monday_at(10))
    services.appointment_cancel(appointment=first, cancelled_by=front_desk, reason="Athlete is unwell")
    again = book(athlete_b[1], working_clinician, monday_at(10))
    assert again.patient == athlete_b[1]
    assert Appointment.objects.get(pk=first.pk).cancel_reason == "Athlete is unwell"


def test_cancel_needs_a_reason(book, front_desk, working_clinician, athlete_a):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    with pytest.raises(ValidationError) as caught:
        services.appointment_cancel(appointment=appointment, cancelled_by=front_desk, reason="  ")
    assert "reason" in caught.value.message_dict
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


def test_moving_onto_another_appointment_is_refused_and_changes_nothing(
    book, front_desk, working_clinician, athlete_a, athlete_b
):
    mine = book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    with pytest.raises(services.SlotTaken) as caught:
        services.appointment_move(appointment=mine, starts_at=monday_at(11, 15), moved_by=front_desk)
    assert "Bea Beta" in caught.value.message
    assert Appointment.objects.get(pk=mine.pk).status == AppointmentStatus.BOOKED
    assert Appointment.objects.count() == 2


def test_move_keeps_history_and_frees_the_old_slot(book, front_desk, working_clinician, athlete_a, athlete_b):
    old = book(athlete_a[1], working_clinician, monday_at(10))
    new = services.appointment_move(appointment=old, starts_at=monday_at(14), moved_by=front_desk)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert old.cancel_reason == "Rescheduled"
    assert new.rescheduled_from == old
    assert new.ends_at - new.starts_at == timedelta(minutes=30)
    book(athlete_b[1], working_clinician, monday_at(10))  # the old time is free again


def test_move_by_a_quarter_hour_may_overlap_its_own_old_time(book, front_desk, working_clinician, athlete_a):
    old = book(athlete_a[1], working_clinician, monday_at(10))
    new = services.appointment_move(appointment=old, starts_at=monday_at(10, 15), moved_by=front_desk)
    assert new.starts_at == monday_at(10, 15)


def test_booking_outside_working_hours_is_refused_with_the_hours(book, working_clinician, athlete_a):
    with pytest.raises(ValidationError) as caught:
        book(athlete_a[1], working_clinician, monday_at(17, 45))  # would end 18:15
    message = caught.value.message_dict["starts_at"][0]
    assert "Outside working hours" in message
    assert "08:00-18:00 on Mondays" in message
    assert not Appointment.objects.exists()


def test_booking_on_a_day_off_is_refused(book, working_clinician, athlete_a):
    saturday = at_local(next_monday() + timedelta(days=5), time(10))
    with pytest.raises(ValidationError) as caught:
        book(athlete_a[1], working_clinician, saturday)
    assert "does not work on Saturdays" in caught.value.message_dict["starts_at"][0]


def test_booking_during_leave_is_refused(book, working_clinician, athlete_a):
    CalendarException.objects.create(
        clinician=working_clinician,
        reason=ExceptionReason.LEAVE,
        starts_at=at_local(next_monday(), time(0)),
        ends_at=at_local(next_monday() + timedelta(days=1), time(0)),
    )
    with pytest.raises(ValidationError) as caught:
        book(athlete_a[1], working_clinician, monday_at(10))
    assert "unavailable (leave)" in caught.value.message_dict["starts_at"][0]


def test_booking_in_the_past_is_refused(book, working_clinician, athlete_a):
    with pytest.raises(ValidationError) as caught:
        book(athlete_a[1], working_clinician, timezone.now() - timedelta(days=1))
    assert "future" in caught.value.message_dict["starts_at"][0]


def test_a_front_desk_user_cannot_be_booked_as_clinician(book, front_desk, athlete_a):
    with pytest.raises(ValidationError) as caught:
        book(athlete_a[1], front_desk, monday_at(10))
    assert "does not take appointments" in caught.value.message_dict["clinician"][0]


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_working_hours_follow_the_wall_clock_across_daylight_saving(settings, book, working_clinician, athlete_a):
    settings.TIME_ZONE = "Europe/London"
    spring = _last_sunday(timezone.localdate().year + 1, 3)  # clocks go forward
    friday_before, monday_after = spring - timedelta(days=2), spring + timedelta(days=1)
    winter = book(athlete_a[1], working_clinician, at_local(friday_before, time(8)))
    summer = book(athlete_a[1], working_clinician, at_local(monday_after, time(8)))
    assert winter.starts_at.astimezone(ZoneInfo("UTC")).hour == 8  # GMT
    assert summer.starts_at.astimezone(ZoneInfo("UTC")).hour == 7  # BST: 08:00 local is 07:00 UTC
    with pytest.raises(ValidationError):
        book(athlete_a[1], working_clinician, at_local(monday_after, time(7, 30)))


def test_free_slots_skip_bookings_and_leave_and_fit_inside_hours(book, working_clinician, athlete_a, follow_up):
    monday = next_monday()
    book(athlete_a[1], working_clinician, monday_at(9))
    CalendarException.objects.create(
        clinician=working_clinician,
        reason=ExceptionReason.OTHER,
        starts_at=at_local(monday, time(12)),
        ends_at=at_local(monday, time(18)),
    )
    slots = selectors.free_slots(
        appointment_type=follow_up, clinician=working_clinician, date_from=monday, date_to=monday
    )
    starts = [slot.starts_at for slot in slots]
    assert starts[0] == monday_at(8)
    assert monday_at(8, 30) in starts  # ends exactly when the 09:00 booking starts
    assert monday_at(8, 45) not in starts and monday_at(9) not in starts and monday_at(9, 15) not in starts
    assert monday_at(9, 30) in starts
    assert starts[-1] == monday_at(11, 30)  # leave from 12:00
    assert all(slot.clinician == working_clinician for slot in slots)


def test_free_slots_for_any_clinician_list_each_working_clinician(working_clinician, other_clinician, follow_up):
    monday = next_monday()
    slots = selectors.free_slots(appointment_type=follow_up, date_from=monday, date_to=monday, limit=4)
    assert [(s.starts_at, s.clinician.username) for s in slots[:2]] == [
        (monday_at(8), "clin"),
        (monday_at(8), "clin2"),
    ]


@pytest.mark.postgres
def test_database_itself_rejects_an_overlap_that_bypasses_the_service(book, working_clinician, athlete_a, athlete_b):
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints need PostgreSQL")
    first = book(athlete_a[1], working_clinician, monday_at(10))
    with pytest.raises(IntegrityError, match="appointment_no_clinician_overlap"), transaction.atomic():
        Appointment.objects.create(
            patient=athlete_b[1],
            clinician=working_clinician,
            appointment_type=first.appointment_type,
            starts_at=monday_at(10, 10),
            ends_at=monday_at(10, 40),
        )
    with pytest.raises(IntegrityError, match="appointment_no_patient_overlap"), transaction.atomic():
        Appointment.objects.create(
            patient=athlete_a[1],
            clinician=athlete_b[0],
            appointment_type=first.appointment_type,
            starts_at=monday_at(10, 10),
            ends_at=monday_at(10, 40),
        )
    # Cancelled rows do not count, and back-to-back rows touch without overlapping.
    Appointment.objects.create(
        patient=athlete_b[1],
        clinician=working_clinician,
        appointment_type=first.appointment_type,
        starts_at=monday_at(10, 10),
        ends_at=monday_at(10, 40),
        status=AppointmentStatus.CANCELLED,
    )
    Appointment.objects.create(
        patient=athlete_b[1],
        clinician=working_clinician,
        appointment_type=first.appointment_type,
        starts_at=monday_at(10, 30),
        ends_at=monday_at(11),
    )
    assert Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).count() == 2


def test_appointment_types_are_seeded_with_their_default_lengths():
    from scheduling.models import AppointmentType

    assert dict(AppointmentType.objects.values_list("name", "default_duration_min")) == {
        "Initial evaluation": 60,
        "Follow-up": 30,
        "Video re-assessment": 45,
    }
