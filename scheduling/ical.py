"""iCalendar (RFC 5545) documents of appointments, built with the ``icalendar`` package."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from icalendar import Calendar, Event, vText

from scheduling.models import Appointment, AppointmentStatus

_NOT_IN_A_LINE = {"Cc", "Zl", "Zp"}  # control characters (CR, LF, TAB, NEL ...), line and paragraph separators


def _text(value: str) -> vText:
    """One line of text, escaped as RFC 5545 TEXT (3.3.11): commas, semicolons, backslashes.

    Names come from people (a patient saved with a line break before the forms refused them):
    icalendar refuses a raw line break in a line (a 500), and writes an X- property's value as is,
    so a lone CR would end the line early. Every control character or line separator becomes a
    space; icalendar folds long lines at 75 octets.
    """
    one_line = str(value).replace("\r\n", " ")
    return vText("".join(" " if unicodedata.category(char) in _NOT_IN_A_LINE else char for char in one_line))


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", _text(f"-//{settings.CLINIC_NAME}//Scheduling//EN"))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _event(appointment: Appointment, summary: str) -> Event:
    event = Event()
    event.add("uid", _text(f"appointment-{appointment.pk}@{settings.CLINIC_NAME.replace(' ', '-').lower()}"))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", _text(summary))
    event.add("location", _text(appointment.room.name if appointment.room else settings.CLINIC_NAME))
    event.add("status", "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED")
    event.add("sequence", 0)
    return event


def clinician_calendar(*, clinician_name: str, appointments: Iterable[Appointment]) -> bytes:
    """The clinician's feed: who and what, nothing clinical (calendar apps sync it elsewhere)."""
    calendar = _calendar(f"{settings.CLINIC_NAME}: {clinician_name}")
    for appointment in appointments:
        calendar.add_component(
            _event(appointment, f"{appointment.appointment_type.name}: {appointment.patient.full_name}")
        )
    return calendar.to_ical()


def athlete_calendar(*, patient_name: str, appointments: Iterable[Appointment]) -> bytes:
    calendar = _calendar(f"{settings.CLINIC_NAME}: {patient_name}")
    for appointment in appointments:
        clinician = appointment.clinician.get_full_name() or appointment.clinician.username
        event = _event(appointment, f"{appointment.appointment_type.name} at {settings.CLINIC_NAME} with {clinician}")
        event.add("description", _text(f"To reschedule, call {settings.CLINIC_PHONE}."))
        calendar.add_component(event)
    return calendar.to_ical()
