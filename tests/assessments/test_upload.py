"""Uploading a treadmill video: checked before it is queued; a bad file is a 400 and nothing is stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from patients.models import VideoConsent
from tests.assessments.conftest import CAM03, upload_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/assessments/"


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_clinician_upload_stores_the_video_privately_and_queues_it(
    api_as, clinician, visit_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 201, response.data
    assessment = Assessment.objects.get(pk=response.data["id"])
    assert assessment.status == AssessmentStatus.QUEUED
    assert assessment.patient == visit_a.patient
    assert assessment.video_sha256 == hashlib.sha256(CAM03.read_bytes()).hexdigest()
    assert assessment.video_size_bytes == CAM03.stat().st_size
    assert assessment.video_meta["fps"] == 60.0 and assessment.video_meta["frames"] == 100
    assert assessment.original_filename == CAM03.name
    # A server-chosen name on the private storage, not the client's file name, not under MEDIA_ROOT.
    assert assessment.video.name == f"assessments/{assessment.uid}/original.mp4"
    assert Path(assessment.video.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not Path(assessment.video.path).is_relative_to(settings.MEDIA_ROOT)
    assert Path(assessment.video.path).read_bytes() == CAM03.read_bytes()
    assert len(callbacks) == 1  # the job is sent once the row is committed, not before
    assert AuditEvent.objects.filter(target_type="assessments.assessment", action="create").count() == 1


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        ("empty", "empty"),
        ("text", "not a video"),
        ("truncated", "cut short"),
        ("still", "still PNG picture"),
        ("one_frame", "single picture"),
    ],
)
def test_bad_file_is_refused_with_its_reason_and_nothing_is_stored(
    api_as, clinician, visit_a, bad_clips, clip, message
):
    before = stored_files()
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(bad_clips[clip])}
    )
    assert response.status_code == 400
    assert message in response.data["video"][0]
    assert Assessment.objects.count() == 0
    assert stored_files() == before


def test_upload_over_the_size_limit_is_a_413(api_as, clinician, visit_a, settings):
    settings.ASSESSMENT_MAX_UPLOAD_BYTES = 100_000
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 413
    assert "largest accepted" in response.data["video"][0]
    assert Assessment.objects.count() == 0


def test_clip_filmed_too_slowly_is_refused(api_as, clinician, visit_a, settings):
    settings.ASSESSMENT_MIN_FPS = 90
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 400
    assert "60 frames per second" in response.data["video"][0]


def test_upload_needs_the_patients_video_consent(api_as, clinician, visit_a):
    VideoConsent.objects.filter(patient=visit_a.patient).update(withdrawn_at=timezone.now())
    stored_before = set(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*"))
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 400
    assert "not consented to being filmed" in response.data["visit"][0]
    assert "nothing was stored" in response.data["visit"][0]
    assert Assessment.objects.count() == 0
    assert set(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*")) == stored_before


def test_unknown_view_and_missing_video_name_their_field(api_as, clinician, visit_a):
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "sideways", "video": upload_of(CAM03)})
    assert response.status_code == 400 and "view" in response.data
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior"})
    assert response.status_code == 400 and "video" in response.data


def test_visit_page_upload_answers_json_for_the_progress_bar(client, clinician, visit_a, bad_clips):
    client.force_login(clinician)
    url = reverse("assessments:upload", args=[visit_a.pk])
    response = client.post(
        url, {"view": "posterior", "video": upload_of(CAM03)}, headers={"accept": "application/json"}
    )
    assert response.status_code == 201
    assessment = Assessment.objects.get()
    assert response.json()["url"] == assessment.get_absolute_url()
    response = client.post(
        url, {"view": "posterior", "video": upload_of(bad_clips["text"])}, headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert "not a video" in response.json()["error"]
    assert Assessment.objects.count() == 1


def test_visit_page_shows_the_upload_form_and_the_filming_guide(client, clinician, visit_a):
    client.force_login(clinician)
    page = client.get(visit_a.get_absolute_url()).content.decode()
    assert f'action="{reverse("assessments:upload", args=[visit_a.pk])}"' in page
    assert "hip height" in page and "10-20 seconds" in page and "60 frames per second" in page
    assert "head to feet" in page


def test_visit_page_asks_for_consent_before_offering_upload(client, clinician, visit_a):
    VideoConsent.objects.filter(patient=visit_a.patient).update(withdrawn_at=timezone.now())
    client.force_login(clinician)
    page = client.get(visit_a.get_absolute_url()).content.decode()
    assert "needs the patient's consent" in page
    assert 'name="video"' not in page


def test_large_upload_streamed_to_disk_is_checked_in_place(api_as, clinician, visit_a, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # cam03 (1.7 MB) arrives as a TemporaryUploadedFile
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 201
    assessment = Assessment.objects.get()
    assert assessment.video_sha256 == hashlib.sha256(CAM03.read_bytes()).hexdigest()
    assert Path(assessment.video.path).read_bytes() == CAM03.read_bytes()


def test_visit_page_upload_over_the_limit_is_refused_before_reading_the_body(client, clinician, visit_a, settings):
    settings.ASSESSMENT_MAX_UPLOAD_BYTES = 100_000
    client.force_login(clinician)
    url = reverse("assessments:upload", args=[visit_a.pk])
    response = client.post(
        url, {"view": "posterior", "video": upload_of(CAM03)}, headers={"accept": "application/json"}
    )
    assert response.status_code == 413
    assert "the largest accepted is 0 MB" not in response.json()["error"]
    assert "Trim the clip" in response.json()["error"]
    assert Assessment.objects.count() == 0


UPLOADS_LIMITED = "Too many video uploads in a short time. Please wait"


def test_uploads_per_user_get_a_json_429_over_the_limit(api_as, settings, clinician, front_desk, visit_a):
    settings.RATE_LIMIT_UPLOADS_PER_USER = "2/h"
    api = api_as(clinician)
    for _ in range(2):  # every upload counts, refused ones too: each was a request to check a file
        assert api.post(API, {"visit": visit_a.pk, "view": "posterior"}).status_code == 400
    response = api.post(API, {"visit": visit_a.pk, "view": "posterior", "video": upload_of(CAM03)})
    assert response.status_code == 429
    assert response.json()["detail"].startswith(UPLOADS_LIMITED)
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert not Assessment.objects.exists()
    # Per user: another clinician still uploads; reads are not limited.
    other = UserFactory(role=Role.CLINICIAN, username="clin3")
    assert api_as(other).post(API, {"visit": visit_a.pk, "view": "posterior"}).status_code == 400
    assert api_as(clinician).get(API).status_code == 200


def test_uploads_on_the_visit_page_get_a_429_with_the_reason(client, settings, clinician, visit_a):
    settings.RATE_LIMIT_UPLOADS_PER_USER = "1/h"
    client.force_login(clinician)
    url = reverse("assessments:upload", args=[visit_a.pk])
    assert client.post(url, {"view": "posterior"}, HTTP_ACCEPT="application/json").status_code == 400
    by_script = client.post(url, {"view": "posterior"}, HTTP_ACCEPT="application/json")
    assert by_script.status_code == 429
    assert by_script.json()["error"].startswith(UPLOADS_LIMITED)  # what upload.js shows
    plain = client.post(url, {"view": "posterior", "video": upload_of(CAM03)})
    assert plain.status_code == 429
    assert UPLOADS_LIMITED in plain.content.decode()
    assert plain["Retry-After"]
    assert not Assessment.objects.exists()
