"""iCalendar: a private, revocable feed per clinician; a download of an athlete's own appointments."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from scheduling import services
from tests.scheduling.conftest import monday_at

pytestmark = pytest.mark.django_db


def _events(response) -> list:  # type: ignore[no-untyped-def]
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
