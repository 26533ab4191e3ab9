"""iCalendar: a private, revocable feed per clinician; a download of an athlete's own appointments."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from scheduling import services
from scheduling.models import Room
from tests.scheduling.conftest import monday_at

pytestmark = pytest.mark.django_db


def _events(response) -> list:
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_clinician_feed_lists_their_live_appointments_in_utc(
    client, book, front_desk, working_clinician, other_clinician, athlete_a, athlete_b
):
    mine = book(athlete_a[1], working_clinician, monday_at(10))
    cancelled = book(athlete_b[1], working_clinician, monday_at(11))
    services.appointment_cancel(appointment=cancelled, cancelled_by=front_desk, reason="Athlete travelling")
    book(athlete_b[1], other_clinician, monday_at(10))
    feed = services.calendar_feed_renew(clinician=working_clinician)
    events = _events(client.get(f"/schedule/feeds/{feed.token}.ics"))
    assert [str(event["summary"]) for event in events] == ["Follow-up: Ada Alpha"]
    assert events[0].decoded("dtstart") == mine.starts_at
    assert events[0].decoded("dtend") == mine.ends_at


def test_renewed_or_revoked_feed_address_stops_working(client, working_clinician):
    old = services.calendar_feed_renew(clinician=working_clinician)
    new = services.calendar_feed_renew(clinician=working_clinician)
    assert client.get(f"/schedule/feeds/{old.token}.ics").status_code == 404
    assert client.get(f"/schedule/feeds/{new.token}.ics").status_code == 200
    services.calendar_feed_revoke(clinician=working_clinician)
    assert client.get(f"/schedule/feeds/{new.token}.ics").status_code == 404


def test_clinician_manages_their_feed_on_the_feed_page(client, working_clinician):
    client.force_login(working_clinician)
    client.post("/schedule/feed/", {"action": "renew"})
    token = working_clinician.calendar_feed.token
    assert token in client.get("/schedule/feed/").content.decode()
    client.post("/schedule/feed/", {"action": "revoke"})
    assert client.get(f"/schedule/feeds/{token}.ics").status_code == 404


def test_athlete_downloads_their_own_appointments_only(client, book, working_clinician, athlete_a, athlete_b):
    book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    client.force_login(athlete_a[0])
    response = client.get(f"/schedule/patients/{athlete_a[1].pk}/appointments.ics")
    events = _events(response)
    assert [str(event["summary"]) for event in events] == ["Follow-up at Stride Clinic with Dana Okafor"]
    assert "attachment" in response["Content-Disposition"]
    assert client.get(f"/schedule/patients/{athlete_b[1].pk}/appointments.ics").status_code == 404


def test_athlete_sees_upcoming_appointments_on_their_record(client, book, working_clinician, athlete_a, athlete_b):
    book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    client.force_login(athlete_a[0])
    page = client.get("/patients/me/").content.decode()
    assert "Upcoming appointments" in page
    assert "Follow-up with Dana Okafor" in page
    assert monday_at(10).strftime("%-d %b %Y") in page
    assert page.count("Follow-up with") == 1
    assert "appointments.ics" in page


# Values as people type them, stored before the forms refused control characters: CR, LF, CRLF,
# a lone CR, NEL, RFC 5545's special characters (comma, semicolon, backslash), and a long name.
HOSTILE = "Ada\r\nAlpha\nX\rY\x85Z, Jr; \\o/ " + "é" * 60


def _unfolded_lines(body: bytes) -> list[bytes]:
    assert b"\r" not in body.replace(b"\r\n", b""), "a raw CR outside a line ending"
    assert b"\n" not in body.replace(b"\r\n", b""), "a raw LF outside a line ending"
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), "lines longer than 75 octets are folded"
    return lines


def _text_value(raw: str) -> str:
    """RFC 5545 TEXT (3.3.11) read back: backslash escapes of backslash, semicolon, comma, newline."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)


def _as_one_line(value: str) -> str:
    return value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\x85", " ")


@pytest.fixture
def hostile_patient(athlete_a):
    athlete_a[1].first_name, athlete_a[1].last_name = HOSTILE, "Ω;,"
    athlete_a[1].save()  # as a row already stored: save() does not validate
    return athlete_a[1]


def test_patient_calendar_escapes_every_value_it_writes(client, book, working_clinician, hostile_patient, settings):
    settings.CLINIC_PHONE = "+44 20\r\n7946; ext, 0\\1"
    book(hostile_patient, working_clinician, monday_at(10), room=Room.objects.create(name="Room 1, back; \\left"))
    client.force_login(working_clinician)
    response = client.get(f"/schedule/patients/{hostile_patient.pk}/appointments.ics")
    assert response.status_code == 200
    _unfolded_lines(response.content)
    calendar = Calendar.from_ical(response.content)
    # icalendar reads an X- property raw; calendar apps read X-WR-CALNAME as TEXT, unescaped.
    assert _text_value(str(calendar["x-wr-calname"])) == f"Stride Clinic: {_as_one_line(HOSTILE)} Ω;,"
    (event,) = calendar.walk("VEVENT")
    assert str(event["location"]) == "Room 1, back; \\left"
    assert str(event["description"]) == "To reschedule, call +44 20 7946; ext, 0\\1."
    assert b"LOCATION:Room 1\\, back\\; \\\\left" in response.content


def test_clinician_feed_escapes_the_patient_name_in_each_summary(client, book, working_clinician, hostile_patient):
    book(hostile_patient, working_clinician, monday_at(10))
    feed = services.calendar_feed_renew(clinician=working_clinician)
    response = client.get(f"/schedule/feeds/{feed.token}.ics")
    assert response.status_code == 200
    lines = _unfolded_lines(response.content)
    assert any(line.startswith(b"SUMMARY:Follow-up: Ada Alpha X Y Z\\, Jr\\; \\\\o/") for line in lines)
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == f"Follow-up: {_as_one_line(HOSTILE)} Ω;,"
