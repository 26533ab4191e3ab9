"""In headless Chromium: a clinician signs in and lands on Today, sees the athlete's pain alert with
their note and the new result, and opens the result from there."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser_fixtures import sign_in
from tests.factories import AssessmentFactory
from tests.programs.conftest import TEMPLATE_NAME, ensure_exercise_library, log, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_clinician_lands_on_today_and_opens_a_new_result(page, clinician, athlete_a, athlete_b, visit_a, visit_b):
    from programs.models import Program, SessionLog

    ensure_exercise_library()
    template = Program.objects.get(name=TEMPLATE_NAME, is_template=True)
    session = log(prescribe(athlete_a[1], clinician, template, visit_a), days_ago=1, pain=7)
    SessionLog.objects.filter(pk=session.pk).update(note="Knee sore on the step-down")
    prescribe(athlete_b[1], clinician, template, visit_b, starts_days_ago=9)
    result = AssessmentFactory(visit=visit_a, result={"quality": {"flags": [{"code": "few_stances"}]}})

    sign_in(page, "clin")
    page.wait_for_url("**/today/")
    assert page.locator("h1").inner_text().startswith("Today")
    alerts = page.locator("#today-alerts").inner_text()
    assert "Ada Alpha" in alerts and "Pain 7/10" in alerts and "Knee sore on the step-down" in alerts
    assert "Bea Beta" in page.locator("#today-quiet").inner_text()
    assert "Low confidence" in page.locator("#today-results").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "today.png"), full_page=True)

    page.click("#today-results a")
    page.wait_for_url(f"**{reverse('assessments:detail', args=[result.pk])}")
