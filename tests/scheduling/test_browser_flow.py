"""In headless Chromium: the front desk finds a slot and books a follow-up; booking it twice shows the
clash; cancelling asks first and is undone; the day grid shows clinicians side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling.models import Appointment, AppointmentStatus
from tests.browser_fixtures import sign_in
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

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
    page.wait_for_url("**/schedule/")  # the front desk lands on today's schedule
    page.click("text=Find a slot")
    page.select_option("#id_appointment_type", label="Follow-up (30 min)")
    page.select_option("#id_clinician", label="Dana Okafor")
    page.fill("#id_date_from", monday)
    page.fill("#id_date_to", monday)
    page.click("#slot-search button[type=submit]")

    first_slot = page.locator(".slot-day .slot-times a").first
    assert first_slot.inner_text().startswith("08:00")
    first_slot.click()
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
    phone_page.wait_for_url("**/schedule/")
    for url in (f"/schedule/?view=week&date={next_monday()}", "/schedule/hours/", "/schedule/slots/"):
        phone_page.goto(url)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)


def test_front_desk_cancels_after_confirming_sees_it_struck_through_and_undoes_it(
    page, front_desk, book, working_clinician, other_clinician, athlete_a, athlete_b
):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], other_clinician, monday_at(10, 30))
    page.context.add_init_script(RECORD_CSP_VIOLATIONS)
    sign_in(page, "desk")
    page.wait_for_url("**/schedule/")
    page.goto(f"/schedule/?date={next_monday()}")
    columns = page.locator(".tcol h2").all_inner_texts()
    assert columns == ["Dana Okafor", "Lee Park"]  # the day: clinicians side by side
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "schedule-day-grid.png"), full_page=True)

    page.click(f"a.appt[href='/schedule/{appointment.pk}/']")
    page.click("#cancel-link")
    assert page.locator("h1").inner_text() == "Cancel this appointment?"
    page.click("text=No, keep it")  # changing one's mind leaves it booked
    assert page.locator("#status").inner_text() == "Booked"
    page.click("#cancel-link")
    page.fill("#id_reason", "Athlete unwell")
    page.click("text=Yes, cancel it")
    page.wait_for_selector("#undo-cancel")
    assert page.locator("#status").inner_text() == "Cancelled"
    assert "You can undo it below" in page.locator(".messages").inner_text()

    page.goto(f"/schedule/?date={next_monday()}&cancelled=1")
    card = page.locator(f"a.appt[href='/schedule/{appointment.pk}/']")
    assert page.evaluate("(el) => getComputedStyle(el).textDecorationLine", card.element_handle()) == "line-through"
    page.screenshot(path=str(SHOTS / "schedule-day-cancelled.png"), full_page=True)
    page.goto(f"/schedule/?date={next_monday()}")
    assert page.locator(f"a.appt[href='/schedule/{appointment.pk}/']").count() == 0  # hidden without the filter

    page.goto(f"/schedule/{appointment.pk}/")
    page.click("#undo-cancel button")
    assert page.locator("#status").inner_text() == "Booked"
    assert "Cancel undone" in page.locator(".messages").inner_text()
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED
    assert page.evaluate("window.__cspViolations") == []


def test_athlete_sees_only_their_own_appointments_without_staff_controls(
    page, book, working_clinician, athlete_a, athlete_b
):
    mine = book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    sign_in(page, athlete_a[0].username)
    page.goto("/schedule/")
    assert page.locator("main a[href^='/schedule/']").count() == 1
    assert page.locator(f"main a[href='/schedule/{mine.pk}/']").is_visible()
    assert page.locator("main select, main input[type=date]").count() == 0
    assert page.get_by_text("Find a slot").count() == 0
