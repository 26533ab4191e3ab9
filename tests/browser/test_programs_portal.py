"""The athlete portal on a phone in headless Chromium, and what the clinician then sees.

Lives beside the other browser tests: the Playwright session fixture can exist only once per run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from accounts.roles import Role
from programs.models import Program
from tests.browser_fixtures import sign_in
from tests.factories import PatientFactory, UserFactory, VisitFactory
from tests.programs.conftest import HIP_THREE, TEMPLATE_NAME, ensure_exercise_library, log, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hip_template(transactional_db):
    ensure_exercise_library()  # other transactional tests flush what the data migration seeded
    return Program.objects.get(name=TEMPLATE_NAME, is_template=True)


@pytest.fixture
def demo_like_athlete(hip_template):
    """Like the demo athlete: the hip-drop template prescribed, two sessions logged last week."""
    clinician = UserFactory(role=Role.CLINICIAN, username="clin")
    user = UserFactory(role=Role.ATHLETE, username="athlete", first_name="Alex", last_name="Morgan")
    patient = PatientFactory(user=user, first_name="Alex", last_name="Morgan")
    visit = VisitFactory(patient=patient, clinician=clinician)
    prescription = prescribe(patient, clinician, hip_template, visit, starts_days_ago=14)
    last_sunday = timezone.localdate().weekday() + 1
    for days_ago in (last_sunday + 2, last_sunday + 4):
        log(prescription, days_ago=days_ago, pain=2, morning=1)
    return patient, prescription


# Injected by Playwright before any page script (not subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""


def _log_with_pain(phone, pain: str) -> None:
    for select in phone.locator("select[name$='-pain_during']").all():
        select.select_option(pain)
    phone.click("#log-form button[type=submit]")  # "Save session", or "Save changes" once today is logged
    phone.wait_for_selector(".msg")


def test_athlete_logs_on_a_phone_and_the_clinician_sees_it_and_the_alert(phone_page, page, demo_like_athlete):
    patient, prescription = demo_like_athlete
    phone = phone_page
    phone.context.add_init_script(RECORD_VIOLATIONS)
    sign_in(phone, "athlete")
    phone.wait_for_url("**/portal/")

    names = {name.strip() for name in phone.locator("article.exercise h3").all_inner_texts()}
    assert names == HIP_THREE
    assert phone.locator("article.exercise img.illustration").count() == 3
    assert "0 of 3 sessions done this week" in phone.locator("[data-testid=adherence-text]").inner_text()
    # The page fits the phone: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    first = phone.locator("article.exercise").first
    first.locator("button.js-set").click()
    first.locator("button.js-set").click()
    assert "2 of 2 sets · all done" in first.locator(".js-count").inner_text()
    assert first.locator("input[name$='-sets_done']").input_value() == "2"

    _log_with_pain(phone, "2")
    assert "Session saved" in phone.locator(".msg").inner_text()
    assert "1 of 3 sessions done this week" in phone.locator("[data-testid=adherence-text]").inner_text()
    assert phone.locator("[data-testid=adherence-percent]").inner_text() == "33%"
    assert phone.evaluate("window.__cspViolations") == []  # counter, timer and meter run under the CSP

    sign_in(page, "clin")
    page.goto(f"/programs/patients/{patient.pk}/")
    today = timezone.localdate().strftime("%a %-d %b")
    sessions = page.locator("#sessions tbody tr").first.inner_text()
    assert today in sessions and "2/10" in sessions
    assert "1 of 3" in page.locator("#adherence tbody tr").first.inner_text()
    page.goto("/programs/alerts/")
    assert "Alex Morgan" not in page.locator("main").inner_text()

    _log_with_pain(phone, "8")  # today's session again: it is edited, not stored twice
    page.goto("/programs/alerts/")
    row = page.locator("#alerts tr[data-kind=pain_high]")
    assert "Alex Morgan" in row.inner_text() and "Pain 8/10" in row.inner_text()
    assert prescription.sessions.count() == 3


SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_athlete_logs_pain_6_and_the_clinician_sees_the_alert_with_the_note(phone_page, page, demo_like_athlete):
    """Issue 14: pain 6/10 gets a calm step-back message (no "Great work"), and the clinician's
    alerts show it at once with the athlete's note. A double tap on Save stores one session."""
    patient, prescription = demo_like_athlete
    phone = phone_page
    sign_in(phone, "athlete")
    phone.wait_for_url("**/portal/")

    # No pain is assumed: saving without choosing asks for it, beside each exercise.
    phone.click("button:has-text('Save session')")
    assert phone.locator("text=Choose how much it hurt, from 0 (no pain) to 10.").count() == 3
    assert prescription.sessions.count() == 2

    # "Set done" never lowers the sets the athlete typed.
    first = phone.locator("article.exercise").first
    first.locator("input[name$='-sets_done']").fill("3")
    first.locator("button.js-set").click()
    assert first.locator("input[name$='-sets_done']").input_value() == "3"

    for select in phone.locator("select[name$='-pain_during']").all():
        select.select_option("6")
    phone.fill("#id_note", "Knee sore on the step-down")
    save = phone.locator("button:has-text('Save session')")
    save.dblclick()  # a double tap
    phone.wait_for_selector("#pain-advice")
    advice = phone.locator("#pain-advice").inner_text()
    assert "6/10" in advice and "What to do next" in advice and "half the sets or reps" in advice
    assert "Great work" not in phone.locator("main").inner_text()
    assert phone.locator("[data-testid=clinic-phone]").count() == 0  # 6/10: no call needed
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "portal-pain-6.png"), full_page=True)
    assert prescription.sessions.filter(performed_on=timezone.localdate()).count() == 1

    sign_in(page, "clin")
    page.goto("/programs/alerts/")
    row = page.locator("#alerts tr[data-kind=pain_high]")
    assert "Alex Morgan" in row.inner_text() and "Pain 6/10 during the session" in row.inner_text()
    assert "Knee sore on the step-down" in row.inner_text()
    page.screenshot(path=str(SHOTS / "alerts-pain-6.png"), full_page=True)
    row.locator("a").click()
    page.wait_for_url(f"**/programs/patients/{patient.pk}/")
    assert "Knee sore on the step-down" in page.locator("#sessions tbody tr").first.inner_text()
    page.screenshot(path=str(SHOTS / "patient-programme-pain-6.png"), full_page=True)

    # At 8/10 the athlete is asked to call the clinic, with its number.
    for select in phone.locator("select[name$='-pain_during']").all():
        select.select_option("8")
    phone.click("button:has-text('Save changes')")
    phone.wait_for_selector("[data-testid=clinic-phone]")
    phone.screenshot(path=str(SHOTS / "portal-pain-8.png"), full_page=True)

    # The clinician accepts one of the three step-back suggestions: the other two stay; then undoes it.
    assert page.locator("#current button:has-text('Accept')").count() == 3
    with page.expect_navigation():
        page.locator("#current button:has-text('Accept')").first.click()
    assert "New prescription version saved" in page.locator(".msg").inner_text()
    assert page.locator("#current button:has-text('Accept')").count() == 2
    with page.expect_navigation():
        page.click("[data-testid=undo-2]")
    assert "Version 2 undone: version 3 is now active" in page.locator(".msg").inner_text()
    assert page.locator("#current button:has-text('Accept')").count() == 3
    page.screenshot(path=str(SHOTS / "patient-programme-undone.png"), full_page=True)
