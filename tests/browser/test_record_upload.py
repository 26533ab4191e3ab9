"""Record at the treadmill in a real browser: on a phone the form shows "Record with the camera"
and its framing checklist, a clip from that control is the one uploaded; a desktop does not show it."""

from __future__ import annotations

import pytest

from assessments.models import Assessment
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAM03 = "tests/data/pose2sim_cam03_posterior.mp4"


def test_phone_records_with_the_camera_control_and_the_clip_is_uploaded(phone_page, clinician, visit_a):
    page = phone_page
    sign_in(page, "clin")
    page.goto(visit_a.get_absolute_url())
    record = page.get_by_label("Record with the camera")
    assert record.is_visible()
    assert record.get_attribute("capture") == "environment"
    checklist = page.locator("#framing_checklist")
    assert checklist.is_visible() and "hip height" in checklist.inner_text()

    page.set_input_files("#id_video", CAM03)  # chosen first, then recorded: the recording wins
    record.set_input_files(CAM03)
    assert page.locator("#id_video").evaluate("input => input.files.length") == 0
    page.click(".upload-form button[type=submit]")
    page.wait_for_url("**/assessments/*/", timeout=60_000)
    assert Assessment.objects.get().original_filename == "pose2sim_cam03_posterior.mp4"


def test_desktop_shows_only_the_file_chooser(page, clinician, visit_a):
    sign_in(page, "clin")
    page.goto(visit_a.get_absolute_url())
    assert page.locator("#id_video").is_visible()
    assert not page.locator("#id_video_record").is_visible()
