"""Key flows in a real browser: the clinician opens a patient; an athlete sees only their own."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import sign_in
from tests.factories import ComplaintFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_signs_in_searches_and_opens_a_patient(page, clinician, visit_a, athlete_b):
    ComplaintFactory(patient=visit_a.patient)
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    page.goto("/patients/")
    assert page.locator("table.table tbody tr").count() == 2

    page.fill("input[name=q]", "alpha")
    page.click("form.search button")
    page.click("text=Alpha, Ada")
    page.wait_for_url(f"**/patients/{visit_a.patient_id}/")

    assert page.locator("h1").inner_text() == "Ada Alpha"
    assert "ITB syndrome" in page.locator("body").inner_text()
    page.click(f"a[href='/patients/{visit_a.patient_id}/visits/{visit_a.pk}/']")
    assert visit_a.plan in page.locator("body").inner_text()


def test_athlete_sees_only_their_own_record(page, athlete_a, athlete_b, visit_a):
    sign_in(page, athlete_a[0].username)
    page.wait_for_url("**/portal/")  # athletes land on their portal (programs app)
    page.goto("/patients/me/")
    body = page.locator("body").inner_text()
    assert "Ada Alpha" in body
    assert "Bea Beta" not in body
    response = page.goto(f"/patients/{athlete_b[1].pk}/")
    assert response.status == 403


def test_wrong_password_shows_a_clear_message(page, clinician):
    sign_in(page, "clin", "wrong-password")
    assert "didn't match" in page.locator("[role=alert]").inner_text()
