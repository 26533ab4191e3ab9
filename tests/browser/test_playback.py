"""Every original plays on the result page (issue 12, item 3), in Debian's Chromium: an iPhone-style
HEVC .mov with a rotation tag gets an upright playable copy from the worker; an H.264 MP4/MOV
with a rotation tag plays as it is, upright (Chromium applies the display matrix itself)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import assessment_create
from tests.assessments.conftest import upload_of
from tests.assessments.phone_clips import H264, rotated
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Resolves with the <video>'s readyState and size once it has a frame to show (HAVE_CURRENT_DATA).
SHOWN = """v => new Promise((ok, fail) => {
  const done = () => ok([v.readyState, v.videoWidth, v.videoHeight]);
  if (v.readyState >= 2) return done();
  v.addEventListener('loadeddata', done);
  v.addEventListener('error', () => fail('error ' + (v.error && v.error.code)));
  setTimeout(() => ok([v.readyState, v.videoWidth, v.videoHeight]), 20000);
})"""


@pytest.mark.worker
def test_hevc_mov_with_a_rotation_tag_plays_upright_from_its_playable_copy(
    page,
    clinician,
    visit_a,
    phone_clips,
    celery_worker_process,
):
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    page.goto(visit_a.get_absolute_url())
    page.set_input_files("#id_video", str(phone_clips["rot90_hevc_mov"]))
    page.select_option("#id_view", "posterior")
    page.click(".upload-form button[type=submit]")
    page.wait_for_url("**/assessments/*/", timeout=60_000)
    page.wait_for_selector("#summary", timeout=240_000)
    # Numbers come first; the playable copy follows with the pictures.
    page.wait_for_selector("#pictures-pending", state="detached", timeout=240_000)
    page.reload()
    assessment = Assessment.objects.get()
    assert not assessment.pictures_pending
    assert assessment.video_meta["codec"] == "hevc" and assessment.playback.name.endswith(".mp4")
    assert "format (HEVC) cannot play in the browser; this is a playable copy." in page.inner_text("#playback-note")
    video = page.locator("#original-video")
    assert video.get_attribute("src") == reverse("assessments:playback", args=[assessment.pk])
    ready, width, height = video.evaluate(SHOWN)
    assert ready >= 2
    assert width < height  # portrait, as filmed: the copy is upright


@pytest.mark.parametrize("suffix", ["mp4", "mov"])
def test_h264_with_a_rotation_tag_plays_upright_as_it_is(page, clinician, visit_a, tmp_path, suffix):
    clip = rotated(tmp_path / f"rot90.{suffix}", 90, H264)
    assessment = assessment_create(visit=visit_a, video=upload_of(clip), view="posterior", created_by=clinician)
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    page.goto(visit_a.get_absolute_url())
    src = reverse("assessments:video", args=[assessment.pk])
    page.evaluate(
        "src => { const v = document.createElement('video'); v.id = 'probe'; v.muted = true; v.src = src; "
        "document.body.append(v); }",
        src,
    )
    ready, width, height = page.locator("#probe").evaluate(SHOWN)
    assert ready >= 2
    assert (width, height) == (1088, 1920)  # stored 1920x1088 and turned by the display matrix
