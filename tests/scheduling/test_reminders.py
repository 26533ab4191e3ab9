"""Reminder e-mails: 24 h ahead, once only, with how to reschedule; the front desk sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from scheduling.tasks import send_appointment_reminders
from tests.scheduling.conftest import monday_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_bookings(book, working_clinician, athlete_a, athlete_b):
    return book(athlete_a[1], working_clinician, monday_at(10)), book(athlete_b[1], working_clinician, monday_at(11))


def test_reminder_job_run_twice_sends_one_email_per_appointment(mailoutbox, two_bookings):
    now = monday_at(10) - timedelta(hours=23)
    assert services.reminders_send_due(now=now) == 2
    assert services.reminders_send_due(now=now + timedelta(minutes=15)) == 0
    assert sorted(message.to[0] for message in mailoutbox) == sorted(a.patient.email for a in two_bookings)
    for appointment in two_bookings:
        appointment.refresh_from_db()
        assert appointment.reminder_sent_at == now
        assert appointment.reminder_sent_to == appointment.patient.email


def test_reminder_is_not_sent_more_than_24_hours_ahead_or_for_cancelled(mailoutbox, front_desk, two_bookings):
    services.appointment_cancel(appointment=two_bookings[1], cancelled_by=front_desk, reason="Clinician on leave")
    assert services.reminders_send_due(now=monday_at(10) - timedelta(hours=25)) == 0
    assert services.reminders_send_due(now=monday_at(11) - timedelta(hours=2)) == 1
    assert [message.to for message in mailoutbox] == [[two_bookings[0].patient.email]]


def test_reminder_tells_when_and_how_to_reschedule(mailoutbox, two_bookings):
    services.reminder_send(appointment_id=two_bookings[0].pk, now=monday_at(10) - timedelta(hours=24))
    body = mailoutbox[0].body
    assert "Hello Ada" in body
    assert "at 10:00" in body
    assert "follow-up with Dana Okafor" in body
    assert settings.CLINIC_PHONE in body
    assert "find you another time" in body
    assert "weak" not in body.lower()
    assert mailoutbox[0].subject == "Reminder: your follow-up at Stride Clinic, Monday 10:00"


def test_a_failed_send_releases_the_claim_for_the_next_run(monkeypatch, mailoutbox, two_bookings):
    def broken(**kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(services, "send_mail", broken)
    now = monday_at(10) - timedelta(hours=20)
    assert services.reminders_send_due(now=now) == 0
    assert not Appointment.objects.filter(reminder_sent_at__isnull=False).exists()
    monkeypatch.undo()
    assert services.reminders_send_due(now=now) == 2


def test_beat_runs_the_reminder_task_every_quarter_hour(mailoutbox, two_bookings):
    entry = settings.CELERY_BEAT_SCHEDULE["scheduling-send-reminders"]
    assert entry["task"] == send_appointment_reminders.name == "scheduling.tasks.send_appointment_reminders"
    assert entry["schedule"] == 15 * 60
    # Far from the appointments nothing is due; the task is the service, nothing more.
    assert send_appointment_reminders() == 0
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 2


def test_front_desk_sees_which_reminders_were_sent(client, front_desk, two_bookings):
    services.reminder_send(appointment_id=two_bookings[0].pk, now=monday_at(10) - timedelta(hours=24))
    client.force_login(front_desk)
    page = client.get("/schedule/reminders/").content.decode()
    assert two_bookings[0].patient.email in page
    assert "Ada Alpha" in page
    assert "Bea Beta" not in page
