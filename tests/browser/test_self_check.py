"""The athlete's self-check in a real browser: on a phone the portal offers "Record with the camera"
with the framing checklist, the clip is sent and the page says it waits for the clinic's review; once
a clinician has reviewed it the athlete reads the result with their words. A desktop shows the file
chooser only. Screenshots go to the test's folder (looked at by hand at both widths)."""

from __future__ import annotations

import pytest

from assessments.models import Assessment
from assessments.services.self_checks import self_check_review
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAM03 = "tests/data/pose2sim_cam03_posterior.mp4"
WORDS = "Great rhythm, Ada: your pelvis stays level on both sides. Keep up the side planks!"


@pytest.fixture
def give_result(finish):
    """The shared real cam03 result, given to a queued self-check through the job's services."""
    return finish


def test_athlete_records_a_self_check_on_a_phone_then_reads_the_review(
    phone_page, athlete_a, clinician, give_result, tmp_path
):
    page = phone_page
    user, _ = athlete_a
    sign_in(page, user.username)
    page.goto("/portal/")
    page.click("#self-check-invite a")
    page.wait_for_url("**/portal/self-checks/")
    record = page.get_by_label("Record with the camera")
    assert record.is_visible() and record.get_attribute("capture") == "environment"
    checklist = page.locator("#framing_checklist")
    assert checklist.is_visible() and "hip height" in checklist.inner_text()
    page.screenshot(path=str(tmp_path / "self-check-form-phone.png"), full_page=True)

    record.set_input_files(CAM03)
    page.click("#send-self-check-button")
    page.wait_for_url("**/portal/self-checks/*/", timeout=60_000)
    assert "Sent to your clinic" in page.locator("#self-check-state").inner_text()
    assert page.locator("#self-check-result").count() == 0
    page.screenshot(path=str(tmp_path / "self-check-sent-phone.png"), full_page=True)

    sc = give_result(Assessment.objects.get())
    page.reload()
    assert "waiting for review" in page.locator("#self-check-state").inner_text()
    assert page.locator("#self-check-result").count() == 0

    self_check_review(assessment=sc, comment=WORDS, add_to_trend=False, reviewed_by=clinician)
    page.reload()
    assert WORDS in page.locator("#clinician-words").inner_text()
    assert page.locator("#self-check-result").is_visible()
    page.screenshot(path=str(tmp_path / "self-check-reviewed-phone.png"), full_page=True)
    print(f"\nscreenshots: {tmp_path}")


def test_desktop_portal_shows_the_file_chooser_only(page, athlete_a, tmp_path):
    sign_in(page, athlete_a[0].username)
    page.goto("/portal/self-checks/")
    assert page.locator("#id_video").is_visible()
    assert not page.locator("#id_video_record").is_visible()
    page.screenshot(path=str(tmp_path / "self-check-form-desktop.png"), full_page=True)
    print(f"\nscreenshots: {tmp_path}")


def test_clinician_reviews_a_self_check_from_the_review_list_and_accepts_it_into_the_trend(
    page, athlete_a, clinician, visit_a, give_result, tmp_path
):
    from assessments.services.self_checks import self_check_create
    from tests.assessments.conftest import CAM03 as CAM03_PATH
    from tests.assessments.conftest import upload_of

    user, patient = athlete_a
    sc = give_result(self_check_create(patient=patient, video=upload_of(CAM03_PATH), view="posterior", sent_by=user))
    sign_in(page, "clin")
    page.goto("/today/")
    page.click(f"#today-self-checks a[href='{sc.get_absolute_url()}']")
    page.wait_for_url(f"**{sc.get_absolute_url()}")
    assert "Waiting for review" in page.locator("#review-state").inner_text()
    page.fill("#id_review_comment", WORDS)
    if page.locator("#id_add_to_trend").count():
        page.check("#id_add_to_trend")
    page.screenshot(path=str(tmp_path / "self-check-review-desktop.png"), full_page=True)
    page.click("#save-review")
    page.wait_for_load_state()
    sc.refresh_from_db()
    assert sc.review_comment == WORDS and sc.is_reviewed
    assert "Reviewed" in page.locator("#review-state").inner_text()
    page.goto("/assessments/self-checks/")
    assert sc.get_absolute_url() in page.locator("#self-checks-reviewed").inner_html()
    page.screenshot(path=str(tmp_path / "self-check-list-desktop.png"), full_page=True)
    print(f"\nscreenshots: {tmp_path}")
