"""Issue 13 in a real browser: a not-measurable clip (the real side-view park clip) shows no number
on the result page, the visit report, the trend, compare and the athlete's portal; a low-confidence
result is muted and left out of the change figures until a clinician accepts it.

Screenshots go to $STRIDE_SCREENSHOTS (default: the test's tmp folder) for a person to look at.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

# The real side-view analysis fixtures live with the assessment tests; imported to share them.
from tests.assessments.conftest import SIDE_VIEW, upload_of
from tests.browser_fixtures import sign_in
from tests.factories import AssessmentFactory, UserFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEGREES = re.compile(r"-?\d+(?:\.\d+)?\s?°")
TOO_SHORT = {"code": "too_short", "message": "Only 5 left and 5 right steps could be measured."}


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("STRIDE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def side_view_world(finish_side_view):
    """An athlete with a measurable visit a month ago and today's real side-view clip."""
    from accounts.roles import Role
    from assessments.services import assessment_create
    from tests.factories import PatientFactory

    clinician = UserFactory(role=Role.CLINICIAN, username="clin")
    user = UserFactory(role=Role.ATHLETE, username="athlete")
    patient = PatientFactory(user=user, first_name="Sam", last_name="Side")
    earlier = AssessmentFactory(visit=VisitFactory(patient=patient, clinician=clinician, visit_date=days_ago(30)))
    visit = VisitFactory(patient=patient, clinician=clinician, visit_date=days_ago(0))
    sideways = finish_side_view(
        assessment_create(visit=visit, video=upload_of(SIDE_VIEW), view="posterior", created_by=clinician)
    )
    assert sideways.quality_status == "not_measurable"
    return patient, earlier, sideways


def test_a_side_view_clip_shows_no_number_anywhere(page, side_view_world, tmp_path):
    patient, earlier, sideways = side_view_world
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today

    page.goto(sideways.get_absolute_url())
    shot(page, tmp_path, "not-measurable-result")
    body = page.locator("#assessment-body").inner_text()
    assert "Not measurable" in body and "filmed from the side" in body
    assert page.locator("#summary, #stances, #obliquity, #keyframes").count() == 0
    assert DEGREES.findall(body) == []

    page.goto(f"/assessments/visits/{sideways.visit_id}/report/")
    shot(page, tmp_path, "not-measurable-report")
    section = page.locator(".report-assessment").inner_text()
    assert "could not be measured" in section and DEGREES.findall(section) == []

    page.goto(f"/assessments/patients/{patient.pk}/trend/")
    shot(page, tmp_path, "not-measurable-trend")
    assert page.locator("circle.point-left").count() == 1  # last month's measurable visit only
    assert "not measurable" in page.locator("#not-measurable").inner_text()
    assert page.locator("#trend-table-posterior tbody tr").count() == 1

    page.goto(f"/assessments/patients/{patient.pk}/compare/?a={earlier.pk}&b={sideways.pk}")
    shot(page, tmp_path, "not-measurable-compare")
    later_cells = page.locator("#compare-table td.state-not_measurable").all_inner_texts()
    assert later_cells and all(text.strip() == "\u2013" for text in later_cells)
    assert "Not measurable" in page.locator("#compare-table thead").inner_text()


@pytest.mark.usefixtures("side_view_world")
def test_the_athlete_portal_says_nothing_of_a_side_view_clip(page, tmp_path):
    sign_in(page, "athlete")
    page.goto("/portal/")
    shot(page, tmp_path, "not-measurable-portal")
    text = page.locator("main").inner_text()
    assert "dip" not in text.lower()
    # Last month's measurable result is the only one the athlete hears about.
    assert text.count("of level") == 1


def test_low_confidence_is_muted_and_out_of_the_change_figures_until_accepted(page, clinician, athlete_a, tmp_path):
    patient = athlete_a[1]
    AssessmentFactory(
        visit=VisitFactory(patient=patient, clinician=clinician, visit_date=days_ago(60)),
        cpd_left_mean_deg=9.0,
        cpd_right_mean_deg=6.0,
    )
    unsure = AssessmentFactory(
        visit=VisitFactory(patient=patient, clinician=clinician, visit_date=days_ago(2)),
        cpd_left_mean_deg=4.0,
        cpd_right_mean_deg=4.0,
        n_left=8,
        n_right=8,
        status="flagged",
        quality_ok=False,
        result={"quality": {"ok": False, "flags": [TOO_SHORT]}, "stances": []},
    )
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today

    page.goto(f"/assessments/patients/{patient.pk}/trend/")
    shot(page, tmp_path, "low-confidence-trend-before")
    assert page.locator("circle.point-left.point-not-counted").count() == 1
    assert page.locator("circle.point-left.point-not-counted").get_attribute("fill") == "#ffffff"  # hollow
    left = page.locator(".change-left[data-view=posterior]").inner_text()
    assert "beyond measurement noise" not in left and "-5.0" not in left
    row = page.locator("#trend-table-posterior tr[data-state=low_confidence]")
    assert "not counted" in row.inner_text()
    assert "italic" in row.locator("td.value").first.evaluate("td => getComputedStyle(td).fontStyle")

    page.goto(unsure.get_absolute_url())
    assert "Only 5 left and 5 right steps" in page.locator(".state-banner").inner_text()
    muted = page.locator("#cpd-left").evaluate("dd => getComputedStyle(dd).color")
    plain = page.locator("#summary dt").first.evaluate("dt => getComputedStyle(dt.parentElement).color")
    assert muted != plain
    page.fill("#id_accept_note", "Counted the steps on the video: eight clean stances per side.")
    with page.expect_navigation():
        page.click("#accept-result")
    shot(page, tmp_path, "low-confidence-accepted")
    assert "Accepted by" in page.locator(".state-banner").inner_text()

    page.goto(f"/assessments/patients/{patient.pk}/trend/")
    shot(page, tmp_path, "low-confidence-trend-after")
    assert page.locator("circle.point-left.point-counted").count() == 2
    left = page.locator(".change-left[data-view=posterior]").inner_text()
    assert "-5.0" in left and "beyond measurement noise" in left
    accepted = page.locator("#trend-table-posterior tr[data-state=low_confidence]")
    assert "accepted" in accepted.inner_text()
    assert "normal" in accepted.locator("td.value").first.evaluate("td => getComputedStyle(td).fontStyle")
