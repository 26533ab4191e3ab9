"""Resumable upload over tus 1.0.0 (/api/v1/uploads/): create, pieces, offsets, a cut connection
resumed, the clip stored byte for byte through the normal upload checks, scoping, limits, expiry."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from assessments.models import Assessment, ResumableUpload
from assessments.services import resumable
from assessments.tasks import remove_expired_resumable_uploads
from audit.models import AuditEvent
from patients.models import VideoConsent
from tests.assessments.conftest import CAM03
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/v1/uploads/"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def _part_folder(settings, tmp_path):
    settings.ASSESSMENT_RESUMABLE_DIR = tmp_path / "partial"


def metadata(**values: object) -> str:
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def create(client, visit, length: int, **extra: object):
    meta = metadata(visit=visit.pk, view="posterior", filename="treadmill.mp4", **extra)
    return client.post(ENDPOINT, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta, **TUS)


def patch(client, url: str, offset: int, data: bytes, **headers: str):
    return client.generic(
        "PATCH", url, data=data, content_type=OFFSET_STREAM, HTTP_UPLOAD_OFFSET=str(offset), **TUS, **headers
    )


def parts() -> list[Path]:
    folder = Path(settings.ASSESSMENT_RESUMABLE_DIR)
    return sorted(folder.glob("*")) if folder.exists() else []


def test_options_says_version_extensions_and_max_size(api_as, clinician):
    response = api_as(clinician).options(ENDPOINT)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "expiration", "checksum", "termination"}
    assert response["Tus-Max-Size"] == str(settings.ASSESSMENT_MAX_UPLOAD_BYTES)
    assert response["Tus-Resumable"] == "1.0.0"


def test_clip_sent_in_pieces_is_stored_byte_for_byte_through_the_normal_upload(
    api_as, clinician, visit_a, django_capture_on_commit_callbacks
):
    data = CAM03.read_bytes()
    api = api_as(clinician)
    created = create(api, visit_a, len(data))
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert url.startswith(ENDPOINT) and created["Upload-Expires"].endswith("GMT")
    assert created["Tus-Resumable"] == "1.0.0"

    first = patch(api, url, 0, data[:700_000])
    assert first.status_code == 204 and first["Upload-Offset"] == "700000"
    head = api.head(url, **TUS)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("700000", str(len(data)))
    assert head["Cache-Control"] == "no-store"
    assert not Assessment.objects.exists()  # nothing is checked or stored before the last byte

    with django_capture_on_commit_callbacks() as callbacks:
        last = patch(api, url, 700_000, data[700_000:])
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(data))
    assessment = Assessment.objects.get()
    assert last["Assessment-Location"] == assessment.get_absolute_url()
    assert assessment.video_sha256 == hashlib.sha256(data).hexdigest()
    assert hashlib.sha256(Path(assessment.video.path).read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert assessment.original_filename == "treadmill.mp4" and assessment.created_by == clinician
    assert assessment.video_meta["fps"] == 60.0
    assert len(callbacks) == 1  # the analysis is queued as for any upload
    assert AuditEvent.objects.filter(target_type="assessments.assessment", action="create").count() == 1
    assert parts() == []  # the part is gone once stored
    # A client that lost the last answer asks again and learns where its assessment is.
    again = api.head(url, **TUS)
    assert again["Upload-Offset"] == str(len(data)) and again["Assessment-Location"] == assessment.get_absolute_url()


def test_piece_at_the_wrong_offset_is_409_and_writes_nothing(api_as, clinician, visit_a):
    data = CAM03.read_bytes()
    api = api_as(clinician)
    url = create(api, visit_a, len(data))["Location"]
    assert patch(api, url, 0, data[:1000]).status_code == 204
    response = patch(api, url, 500, data[500:2000])
    assert response.status_code == 409
    assert "1000" in response.json()["detail"]
    assert api.head(url, **TUS)["Upload-Offset"] == "1000"


def test_transfer_cut_midway_keeps_what_arrived_and_resumes_to_the_same_file(
    transactional_db, live_server, clinician, visit_a, settings, tmp_path
):
    """A real dropped connection: the PATCH declares the whole clip, sends a third, and the socket
    closes. The server keeps the bytes that came; HEAD says where to go on; the rest completes it."""
    settings.ASSESSMENT_RESUMABLE_DIR = tmp_path / "partial-live"
    data = CAM03.read_bytes()
    token = Token.objects.create(user=clinician).key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    client = Client()
    meta = metadata(visit=visit_a.pk, view="posterior", filename="cut.mp4")
    created = client.post(ENDPOINT, HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **TUS, **auth)
    assert created.status_code == 201, created.content
    url = created["Location"]

    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    sent = len(data) // 3
    head = (
        f"PATCH {url} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {token}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: {OFFSET_STREAM}\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + data[:sent])
        sock.shutdown(socket.SHUT_WR)  # the connection drops: the rest never comes
        sock.recv(65536)

    offset = int(client.head(url, **TUS, **auth)["Upload-Offset"])
    assert offset == sent
    assert not Assessment.objects.exists()
    done = client.generic(
        "PATCH", url, data=data[offset:], content_type=OFFSET_STREAM, HTTP_UPLOAD_OFFSET=str(offset), **TUS, **auth
    )
    assert done.status_code == 204, done.content
    assessment = Assessment.objects.get()
    assert assessment.video_sha256 == hashlib.sha256(data).hexdigest()
    assert Path(assessment.video.path).read_bytes() == data


def test_another_user_cannot_see_resume_or_end_an_upload(api, clinician, visit_a):
    api.force_authenticate(clinician)
    url = create(api, visit_a, 5000)["Location"]
    colleague = UserFactory(role=Role.CLINICIAN, username="colleague")
    api.force_authenticate(colleague)
    assert api.head(url, **TUS).status_code == 404
    assert patch(api, url, 0, b"x" * 100).status_code == 404
    assert api.delete(url, **TUS).status_code == 404
    assert ResumableUpload.objects.get().offset_bytes == 0


def test_athlete_cannot_start_an_upload(api_as, athlete_a, visit_a):
    response = create(api_as(athlete_a[0]), visit_a, 5000)
    assert response.status_code == 403
    assert not ResumableUpload.objects.exists()


def test_session_client_needs_the_csrf_token(clinician, visit_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    meta = metadata(visit=visit_a.pk)
    refused = client.post(ENDPOINT, HTTP_UPLOAD_LENGTH="5000", HTTP_UPLOAD_METADATA=meta, **TUS)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    page = client.get(visit_a.get_absolute_url()).content.decode()  # the upload form carries the token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    allowed = client.post(ENDPOINT, HTTP_UPLOAD_LENGTH="5000", HTTP_UPLOAD_METADATA=meta, HTTP_X_CSRFTOKEN=token, **TUS)
    assert allowed.status_code == 201


def test_upload_longer_than_the_limit_is_413_before_any_byte(api_as, clinician, visit_a, settings):
    settings.ASSESSMENT_MAX_UPLOAD_BYTES = 1_000_000
    response = create(api_as(clinician), visit_a, 1_000_001)
    assert response.status_code == 413
    assert "largest accepted" in response.json()["detail"]
    assert not ResumableUpload.objects.exists() and parts() == []


def test_piece_past_the_declared_length_is_413(api_as, clinician, visit_a):
    api = api_as(clinician)
    url = create(api, visit_a, 100)["Location"]
    assert patch(api, url, 0, b"x" * 101).status_code == 413
    assert api.head(url, **TUS)["Upload-Offset"] == "0"


def test_without_tus_resumable_is_412_with_the_version(api_as, clinician, visit_a):
    api = api_as(clinician)
    response = api.post(ENDPOINT, HTTP_UPLOAD_LENGTH="100", HTTP_UPLOAD_METADATA=metadata(visit=visit_a.pk))
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"


def test_patch_needs_the_offset_stream_type(api_as, clinician, visit_a):
    api = api_as(clinician)
    url = create(api, visit_a, 100)["Location"]
    response = api.generic("PATCH", url, data=b"x" * 10, content_type="application/json", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert response.status_code == 415


def test_piece_with_a_wrong_checksum_is_460_and_discarded(api_as, clinician, visit_a):
    api = api_as(clinician)
    url = create(api, visit_a, 100)["Location"]
    piece = b"y" * 40
    wrong = "sha1 " + base64.b64encode(hashlib.sha1(b"other").digest()).decode()  # noqa: S324 (tus names sha1)
    assert patch(api, url, 0, piece, HTTP_UPLOAD_CHECKSUM=wrong).status_code == 460
    assert api.head(url, **TUS)["Upload-Offset"] == "0"
    right = "sha256 " + base64.b64encode(hashlib.sha256(piece).digest()).decode()
    assert patch(api, url, 0, piece, HTTP_UPLOAD_CHECKSUM=right)["Upload-Offset"] == "40"


def test_visit_not_named_or_not_the_users_is_400(api_as, front_desk, clinician, visit_a):
    api = api_as(clinician)
    no_visit = api.post(ENDPOINT, HTTP_UPLOAD_LENGTH="100", HTTP_UPLOAD_METADATA=metadata(view="posterior"), **TUS)
    assert no_visit.status_code == 400 and "visit" in no_visit.json()["detail"]
    bad = api.post(ENDPOINT, HTTP_UPLOAD_LENGTH="100", HTTP_UPLOAD_METADATA="visit !!notbase64", **TUS)
    assert bad.status_code == 400 and "base64" in bad.json()["detail"]


def test_patient_without_video_consent_is_refused_at_creation(api_as, clinician, visit_a):
    VideoConsent.objects.filter(patient=visit_a.patient).update(withdrawn_at=timezone.now())
    response = create(api_as(clinician), visit_a, 5000)
    assert response.status_code == 400 and "not consented to being filmed" in response.json()["detail"]
    assert not ResumableUpload.objects.exists()


def test_complete_file_that_is_no_video_gets_the_upload_message_and_leaves_nothing(api_as, clinician, visit_a):
    api = api_as(clinician)
    text = b"These are my running notes, not a video.\n" * 40
    url = create(api, visit_a, len(text))["Location"]
    response = patch(api, url, 0, text)
    assert response.status_code == 400
    assert "not a video" in response.json()["detail"]
    assert not Assessment.objects.exists() and not ResumableUpload.objects.exists() and parts() == []


def test_upload_creation_counts_against_the_upload_rate_limit(api_as, clinician, visit_a, settings):
    settings.RATE_LIMIT_UPLOADS_PER_USER = "1/h"
    api = api_as(clinician)
    assert create(api, visit_a, 100).status_code == 201
    over = create(api, visit_a, 100)
    assert over.status_code == 429 and "Too many video uploads" in over.json()["detail"]


def test_expired_upload_is_410_and_the_sweep_removes_parts_and_rows(api_as, clinician, visit_a):
    api = api_as(clinician)
    stale_url = create(api, visit_a, 5000)["Location"]
    assert patch(api, stale_url, 0, b"z" * 1000).status_code == 204
    fresh_url = create(api, visit_a, 5000)["Location"]
    stale = ResumableUpload.objects.get(pk=stale_url.rstrip("/").rsplit("/", 1)[-1])
    ResumableUpload.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.head(stale_url, **TUS).status_code == 410
    assert resumable.part_path(stale).stat().st_size == 1000

    assert remove_expired_resumable_uploads() == 1
    assert list(ResumableUpload.objects.values_list("pk", flat=True)) == [
        ResumableUpload.objects.get(pk=fresh_url.rstrip("/").rsplit("/", 1)[-1]).pk
    ]
    assert not resumable.part_path(stale).exists()
    assert len(parts()) == 1  # the fresh one's
    assert remove_expired_resumable_uploads() == 0  # idempotent
    assert api.head(stale_url, **TUS).status_code == 404


def test_every_piece_pushes_the_expiry_back(api_as, clinician, visit_a, settings):
    settings.ASSESSMENT_RESUMABLE_EXPIRE_S = 600
    api = api_as(clinician)
    url = create(api, visit_a, 5000)["Location"]
    ResumableUpload.objects.update(expires_at=timezone.now() + timedelta(seconds=5))
    patch(api, url, 0, b"z" * 10)
    assert ResumableUpload.objects.get().expires_at > timezone.now() + timedelta(seconds=590)


def test_the_expiry_sweep_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assessments.tasks.remove_expired_resumable_uploads" in tasks


def test_piece_larger_than_djangos_in_memory_body_limit_is_streamed_to_disk(api_as, clinician, visit_a):
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) refuses request.body; a piece is read as a stream instead.
    api = api_as(clinician)
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1_000_000
    url = create(api, visit_a, size * 2)["Location"]
    response = patch(api, url, 0, b"\0" * size)
    assert response.status_code == 204 and response["Upload-Offset"] == str(size)
