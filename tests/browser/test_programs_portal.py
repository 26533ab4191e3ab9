"""The athlete portal on a phone in headless Chromium, and what the clinician then sees.

Lives beside the other browser tests: the Playwright session fixture can exist only once per run.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.roles import Role
from programs.models import Program
from tests.browser_fixtures import sign_in
from tests.factories import PatientFactory, UserFactory, VisitFactory
from tests.programs.conftest import HIP_THREE, TEMPLATE_NAME, ensure_exercise_library, log, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hip_template(transactional_db):  # type: ignore[no-untyped-def]
    ensure_exercise_library()  # other transactional tests flush what the data migration seeded
    return Program.objects.get(name=TEMPLATE_NAME, is_template=True)


@pytest.fixture
def demo_like_athlete(hip_template):  # type: ignore[no-untyped-def]
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


def _log_with_pain(phone, pain: str) -> None:  # type: ignore[no-untyped-def]
    for select in phone.locator("select[name$='-pain_during']").all():
        select.select_option(pain)
    phone.click("button:has-text('Save session')")
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

    _log_with_pain(phone, "8")
    page.goto("/programs/alerts/")
    row = page.locator("#alerts tr[data-kind=pain_high]")
    assert "Alex Morgan" in row.inner_text() and "Pain 8/10" in row.inner_text()
    assert prescription.sessions.count() == 4
