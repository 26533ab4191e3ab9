"""Uploading what phones write (issue 12) and clips over the metadata limits (issue 18), through the
API and the visit page: stored with their own container type, served with its Content-Type, the
upright size and real-time rate in ``video_meta``; each bad one refused with its own message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/assessments/"


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_of(path: Path) -> SimpleUploadedFile:
    # A phone's browser often sends a generic type: the server decides from the bytes.
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")


def post_page(client, visit, path: Path, **fields):
    url = reverse("assessments:upload", args=[visit.pk])
    return client.post(
        url, {"view": "posterior", "video": upload_of(path), **fields}, headers={"accept": "application/json"}
    )


@pytest.mark.parametrize(
    ("key", "container", "content_type", "rotation"),
    [
        ("rot90_hevc_mov", "mov", "video/quicktime", 90),
        ("rot270_mp4", "mp4", "video/mp4", 270),
        ("long_audio_mkv", "mkv", "video/x-matroska", 0),
    ],
)
def test_phone_clip_is_stored_with_its_own_type_and_upright_size(
    api_as, client, clinician, visit_a, phone_clips, key, container, content_type, rotation
):
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(phone_clips[key])}
    )
    assert response.status_code == 201, response.data
    assessment = Assessment.objects.get(pk=response.data["id"])
    assert assessment.video.name == f"assessments/{assessment.uid}/original.{container}"
    meta = assessment.video_meta
    assert (meta["container"], meta["width"], meta["height"], meta["rotation"]) == (container, 1088, 1920, rotation)
    # The video stream's own length, not the 300 s of the Matroska file's audio.
    assert (meta["frames"], meta["duration_s"]) == (100, pytest.approx(100 / 60, abs=1e-3))
    client.force_login(clinician)
    served = client.get(reverse("assessments:video", args=[assessment.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert b"".join(served.streaming_content) == phone_clips[key].read_bytes()


@pytest.mark.parametrize("key", ["audio_only_mp4", "audio_only_mov"])
def test_audio_only_file_is_refused_as_having_no_video_track(api_as, client, clinician, visit_a, phone_clips, key):
    before = stored_files()
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(phone_clips[key])}
    )
    assert response.status_code == 400
    assert "This file has no video track (it holds only sound)" in response.data["video"][0]
    client.force_login(clinician)
    response = post_page(client, visit_a, phone_clips[key])
    assert response.status_code == 400
    assert "no video track" in response.json()["error"]
    assert Assessment.objects.count() == 0
    assert stored_files() == before


def test_slow_motion_capture_rate_is_taken_from_the_api_and_the_page(api_as, client, clinician, visit_a, phone_clips):
    clip = phone_clips["slow_motion_untagged_mp4"]
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(clip), "capture_fps": "60"}
    )
    assert response.status_code == 201, response.data
    assert response.data["capture_fps"] == 60.0
    meta = Assessment.objects.get(pk=response.data["id"]).video_meta
    assert (meta["fps"], meta["playback_fps"], meta["capture_fps"]) == (60.0, 30.0, 60.0)
    assert meta["duration_s"] == pytest.approx(100 / 60, abs=1e-3)  # the real run, not 3.3 s of playback
    client.force_login(clinician)
    response = post_page(client, visit_a, clip, capture_fps="60 fps")
    assert response.status_code == 201
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.capture_fps == 60.0
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "60 fps (slow motion, played at 30 fps), 1.7 s" in page


def test_slow_motion_tag_in_the_file_is_used_without_a_declared_rate(api_as, clinician, visit_a, phone_clips):
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(phone_clips["slow_motion_mp4"])}
    )
    assert response.status_code == 201, response.data
    assert response.data["video_meta"]["fps"] == 60.0
    assert response.data["capture_fps"] is None  # nobody declared it; the file said so


def test_a_capture_rate_that_is_no_rate_is_refused(api_as, client, clinician, visit_a, phone_clips):
    clip = phone_clips["slow_motion_untagged_mp4"]
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(clip), "capture_fps": "5000"}
    )
    assert response.status_code == 400 and "capture_fps" in response.data
    client.force_login(clinician)
    response = post_page(client, visit_a, clip, capture_fps="fast")
    assert response.status_code == 400
    assert "frames per second, for example 240" in response.json()["error"]
    response = post_page(client, visit_a, clip, capture_fps="15")
    assert response.status_code == 400
    assert "below the video's own frame rate (30 fps)" in response.json()["error"]
    assert Assessment.objects.count() == 0


@pytest.mark.serial  # times itself
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("huge", "The video is 16384x8704 pixels; the largest accepted is 4096 pixels on each side."),
        ("fast", "The video plays at 1000 frames per second; the most accepted is 240."),
    ],
)
def test_clip_over_the_metadata_limits_is_refused_quickly_and_nothing_is_kept(
    api_as, client, clinician, visit_a, over_limit_clips, key, message
):
    before = stored_files()
    t0 = time.perf_counter()
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(over_limit_clips[key])}
    )
    # Nothing is decoded: the old check decoded one 16384x8704 frame (1.6-1.9 GB) in the web process.
    assert time.perf_counter() - t0 < 2.0
    assert response.status_code == 400
    assert message in response.data["video"][0]
    client.force_login(clinician)
    response = post_page(client, visit_a, over_limit_clips[key])
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Assessment.objects.count() == 0
    assert stored_files() == before
    assert not AuditEvent.objects.filter(target_type="assessments.assessment").exists()


def test_limits_follow_the_settings(api_as, clinician, visit_a, settings, phone_clips):
    settings.ASSESSMENT_MAX_FRAMES = 50
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(phone_clips["long_audio_mkv"])}
    )
    assert response.status_code == 400
    # Matroska stores no frame count: the packets are counted (no decoding), up to the limit.
    assert "holds more than 50 frames; the most accepted is 50" in response.data["video"][0]


def test_visit_page_asks_whether_the_clip_was_filmed_in_slow_motion(client, clinician, visit_a):
    client.force_login(clinician)
    page = client.get(visit_a.get_absolute_url()).content.decode()
    assert "Filmed in slow motion? Capture rate (fps)" in page
    assert 'name="capture_fps"' in page
    assert "MP4, MOV, M4V, WebM, MKV or AVI" in page
