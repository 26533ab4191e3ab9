"""The assessment flow in a real browser: upload on a visit, live progress, the numbers, then the
pictures, the trend.

Processing runs in a real Celery worker process on the real cam03 clip.
"""

from __future__ import annotations

import pytest

from assessments.models import Assessment
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CAM03 = "tests/data/pose2sim_cam03_posterior.mp4"


def test_clinician_uploads_a_video_watches_progress_sees_the_result_and_opens_the_trend(
    page, clinician, visit_a, celery_worker_process
):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    page.goto(visit_a.get_absolute_url())
    page.click(".film-guide summary")
    assert "hip height" in page.locator(".film-guide").inner_text()

    page.set_input_files("#id_video", CAM03)
    assert "pose2sim_cam03_posterior.mp4" in page.locator(".file-name").inner_text()
    page.select_option("#id_view", "posterior")
    page.click(".upload-form button[type=submit]")
    page.wait_for_url("**/assessments/*/", timeout=60_000)
    assessment = Assessment.objects.get()
    assert page.url.endswith(assessment.get_absolute_url())

    # Live progress, no reload: the summary replaces the progress bar when the worker is done.
    page.wait_for_selector("#summary", timeout=180_000)
    seen = [int(v) for v in page.locator("#status-panel").get_attribute("data-seen").split(",")]
    assert any(0 < v < 100 for v in seen), seen
    assert seen == sorted(seen)
    assessment.refresh_from_db()
    assert page.locator("#status-label").inner_text() == assessment.get_status_display()
    assert page.locator("#obliquity svg.chart polyline").count() >= 1
    # Numbers first: the keyframes and the preview join them when drawn, again without a reload.
    page.wait_for_selector("#pictures-pending", state="detached", timeout=180_000)
    assessment.refresh_from_db()
    assert not assessment.pictures_pending
    keyframes = page.locator("#keyframes img")
    assert keyframes.count() == len(assessment.keyframes)
    for i in range(keyframes.count()):
        assert keyframes.nth(i).evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    if not assessment.keyframes:
        assert "No midstance could be picked" in page.locator("#keyframes").inner_text()
    # The original video plays from the private stream (range requests).
    duration = page.locator("#original-video").evaluate(
        "v => new Promise(ok => v.readyState >= 1 ? ok(v.duration) : v.addEventListener('loadedmetadata', () => ok(v.duration)))"
    )
    assert duration == pytest.approx(100 / 60, abs=0.1)

    page.click("#open-trend")
    page.wait_for_url(f"**/assessments/patients/{visit_a.patient_id}/trend/")
    assert page.locator("#trend-table-posterior tbody tr").count() == 1
    assert "smallest detectable difference" in page.locator("#trend-chart").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
