"""A large clip from the visit page goes over tus in pieces; the connection is cut once mid-way,
the page resumes by itself, and the assessment holds the clip byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from assessments.models import Assessment, ResumableUpload
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAM03 = Path("tests/data/pose2sim_cam03_posterior.mp4")


def test_large_clip_resumes_after_a_dropped_connection_and_the_assessment_is_created(
    page, clinician, visit_a, settings, tmp_path
):
    # cam03 (1.7 MB) counts as large here: sent over tus in three pieces of 600 kB.
    settings.ASSESSMENT_RESUMABLE_THRESHOLD_BYTES = 100_000
    settings.ASSESSMENT_RESUMABLE_CHUNK_BYTES = 600_000
    settings.ASSESSMENT_RESUMABLE_DIR = tmp_path / "partial"
    seen: list[tuple[str, str]] = []
    cut: list[str] = []

    def cut_the_second_piece(route: Any) -> None:
        request = route.request
        seen.append((request.method, request.headers.get("upload-offset", "")))
        if request.method == "PATCH" and len([m for m, _ in seen if m == "PATCH"]) == 2 and not cut:
            cut.append(request.headers["upload-offset"])
            route.abort("connectionreset")  # the Wi-Fi drops during the second piece
        else:
            route.continue_()

    sign_in(page, "clin")
    page.wait_for_url("**/patients/")
    page.route("**/api/v1/uploads/**", cut_the_second_piece)
    page.goto(visit_a.get_absolute_url())
    page.set_input_files("#id_video", str(CAM03))
    page.select_option("#id_view", "posterior")
    page.click(".upload-form button[type=submit]")
    page.wait_for_url("**/assessments/*/", timeout=60_000)

    assessment = Assessment.objects.get()
    assert page.url.endswith(assessment.get_absolute_url())
    assert cut == ["600000"]
    methods = [method for method, _ in seen]
    assert methods[0] == "POST"
    # After the cut the client asked where the upload stood, then sent the rest from there.
    after_cut = methods[methods.index("PATCH", methods.index("PATCH") + 1) + 1 :]
    assert after_cut[0] == "HEAD" and "PATCH" in after_cut
    assert [offset for method, offset in seen if method == "PATCH"][-1] == "1200000"
    assert assessment.video_sha256 == hashlib.sha256(CAM03.read_bytes()).hexdigest()
    assert Path(assessment.video.path).read_bytes() == CAM03.read_bytes()
    assert ResumableUpload.objects.get().assessment == assessment
    assert not list((tmp_path / "partial").glob("*.part"))
