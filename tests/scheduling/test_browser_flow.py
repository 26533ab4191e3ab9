"""In headless Chromium: the front desk finds a slot and books a follow-up; booking it twice shows the clash."""

from __future__ import annotations

import pytest

from scheduling.models import Appointment
from tests.browser_fixtures import sign_in
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Injected before any page script: the pages must run under the site's CSP without a violation.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""


def test_front_desk_finds_a_slot_books_a_follow_up_and_a_second_booking_shows_the_clash(
    page,
    front_desk,
    working_clinician,
    follow_up,
    athlete_a,
    athlete_b,
):
    monday = next_monday().isoformat()
    page.context.add_init_script(RECORD_CSP_VIOLATIONS)
    sign_in(page, "desk")
    page.wait_for_url("**/patients/")
    page.click("nav >> text=Schedule")
    page.click("text=Find a slot")
    page.select_option("#id_appointment_type", label="Follow-up (30 min)")
    page.select_option("#id_clinician", label="Dana Okafor")
    page.fill("#id_date_from", monday)
    page.fill("#id_date_to", monday)
    page.click("#slot-search button[type=submit]")

    first_slot = page.locator("table.slots tbody tr").first
    assert "08:00" in first_slot.inner_text()
    first_slot.locator("text=Book").click()
    page.wait_for_url("**/schedule/book/**")
    booking_url = page.url
    assert page.input_value("#id_time") == "08:00"
    page.select_option("#id_patient", label="Ada Alpha")
    page.click("#booking-form button[type=submit]")

    page.wait_for_selector("#status")
    assert "Booked: Ada Alpha" in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == "Follow-up · Ada Alpha"
    assert "08:00" in page.locator("#when").inner_text()
    assert page.evaluate("window.__cspViolations") == []

    # Another terminal still has the slot open: booking it for someone else is refused, clearly.
    page.goto(booking_url)
    page.select_option("#id_patient", label="Bea Beta")
    page.click("#booking-form button[type=submit]")
    alert = page.locator(".errors[role=alert]").inner_text()
    assert "Dana Okafor is already booked" in alert
    assert "Ada Alpha" in alert
    assert page.evaluate("window.__cspViolations") == []
    assert Appointment.objects.count() == 1
    for url in ("/schedule/?view=week", "/schedule/hours/", "/schedule/reminders/"):
        page.goto(url)
        assert page.evaluate("window.__cspViolations") == [], url


def test_schedule_pages_fit_a_phone_screen(phone_page, front_desk, book, working_clinician, athlete_a, athlete_b):
    book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    sign_in(phone_page, "desk")
    phone_page.wait_for_url("**/patients/")
    for url in (f"/schedule/?view=week&date={next_monday()}", "/schedule/hours/", "/schedule/slots/"):
        phone_page.goto(url)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
