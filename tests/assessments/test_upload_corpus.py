"""The bad-upload corpus (bad_uploads.py): every file is refused with its own reason, through the
API and the visit page, and leaves nothing behind. Names and headers never decide: a good clip
under a hostile name is accepted and stored under a name the server chooses.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import assessment_create
from audit.models import AuditEvent
from tests.assessments.bad_uploads import CORPUS, SPORTS2D, BadUpload, cam03, written_clip

pytestmark = pytest.mark.django_db

API = "/api/v1/assessments/"
BY_KEY = {case.key: case for case in CORPUS}


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The temporary folder the upload checks work in, empty before the request."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def upload(case: BadUpload, *, name: str | None = None, content_type: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or case.filename, case.content, content_type=content_type or case.content_type)


def length_header(case: BadUpload) -> dict[str, str]:
    return {"CONTENT_LENGTH": str(case.declared_length)} if case.declared_length else {}


def assert_nothing_kept(before: list[Path], scratch: Path) -> None:
    assert Assessment.objects.count() == 0
    assert stored_files() == before
    assert list(scratch.iterdir()) == []
    assert not AuditEvent.objects.filter(target_type="assessments.assessment").exists()


def test_the_corpus_holds_at_least_30_distinct_bad_files():
    assert len(CORPUS) >= 30
    assert len(BY_KEY) == len(CORPUS)
    assert len({case.content for case in CORPUS if case.declared_length is None}) == len(CORPUS) - 1


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.key)
def test_bad_file_is_refused_through_the_api_with_its_reason_and_nothing_is_kept(
    api_as, clinician, visit_a, scratch, case
):
    before = stored_files()
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload(case)}, **length_header(case)
    )
    assert response.status_code == case.status, response.data
    [message] = response.data["video"]
    assert case.message in message
    assert message.endswith(".") and "Traceback" not in message and "Errno" not in message
    assert_nothing_kept(before, scratch)


PAGE_SAMPLE = ["empty", "html", "elf", "png", "truncated_fast_start", "moov_removed", "huge_declared_box", "ten_fps"]


@pytest.mark.parametrize("key", [*PAGE_SAMPLE, "declared_2gb"])
def test_bad_file_is_refused_through_the_visit_page_with_its_reason(client, clinician, visit_a, scratch, key):
    case = BY_KEY[key]
    client.force_login(clinician)
    before = stored_files()
    response = client.post(
        reverse("assessments:upload", args=[visit_a.pk]),
        {"view": "posterior", "video": upload(case)},
        headers={"accept": "application/json"},
        **length_header(case),
    )
    assert response.status_code == case.status
    assert case.message in response.json()["error"]
    assert_nothing_kept(before, scratch)


def test_plain_form_post_of_a_bad_file_returns_to_the_visit_with_the_reason(client, clinician, visit_a):
    client.force_login(clinician)
    response = client.post(
        reverse("assessments:upload", args=[visit_a.pk]),
        {"view": "posterior", "video": upload(BY_KEY["windows_exe"])},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == visit_a.get_absolute_url()
    assert "This file is a Windows program (EXE or DLL), not a video" in response.content.decode()
    assert Assessment.objects.count() == 0


def test_a_content_length_that_is_not_a_number_is_a_400_not_a_500(api_as, clinician, visit_a):
    # Django reads no body when the length is not a number, so the form arrives without its file.
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": upload(BY_KEY["pdf"])}, CONTENT_LENGTH="lots"
    )
    assert response.status_code == 400
    assert response.data["video"] == ["No file was submitted."]
    assert Assessment.objects.count() == 0


# --- Content decides: hostile names and headers on a good clip -----------------------------

HOSTILE_NAMES = [
    ("../../etc/passwd.mp4", "passwd.mp4"),
    ("..\\..\\Windows\\System32\\clip.mp4", "clip.mp4"),
    ("clip.mp4.exe", "clip.mp4.exe"),
    ("run\u202egpj.exe", "rungpj.exe"),  # shown as "runexe.jpg" were the override kept
    ("clip\x00.php.mp4", "clip.php.mp4"),
    ("<img src=x onerror=alert(1)>.mp4", "<img src=x onerror=alert(1)>.mp4"),
    ("x" * 400 + ".mp4", "x" * 251 + ".mp4"),  # Django keeps the extension within 255 characters
    ("séance de course 跑步.mp4", "séance de course 跑步.mp4"),
]


@pytest.mark.parametrize(("name", "shown"), HOSTILE_NAMES, ids=[f"name{i}" for i in range(len(HOSTILE_NAMES))])
def test_a_good_clip_under_a_hostile_name_is_stored_under_a_server_chosen_name(api_as, clinician, visit_a, name, shown):
    before = stored_files()
    response = api_as(clinician).post(
        API, {"visit": visit_a.pk, "view": "posterior", "video": SimpleUploadedFile(name, cam03(), "video/mp4")}
    )
    assert response.status_code == 201, response.data
    assessment = Assessment.objects.get()
    assert assessment.video.name == f"assessments/{assessment.uid}/original.mp4"
    assert set(stored_files()) - set(before) == {Path(settings.PRIVATE_MEDIA_ROOT) / assessment.video.name}
    assert response.data["original_filename"] == assessment.original_filename == shown


def test_the_service_cleans_a_name_that_did_not_come_through_a_browser_form(visit_a, clinician):
    video = SimpleUploadedFile("C:\\Users\\pt\\..\\run\u202egpj\x07.exe", cam03(), "video/mp4")
    assessment = assessment_create(visit=visit_a, video=video, view="posterior", created_by=clinician)
    assert assessment.original_filename == "rungpj.exe"
    assert assessment.video.name == f"assessments/{assessment.uid}/original.mp4"


def test_the_page_shows_a_hostile_name_as_text(client, clinician, visit_a):
    video = SimpleUploadedFile("<img src=x onerror=alert(1)>.mp4", cam03(), "video/mp4")
    assessment = assessment_create(visit=visit_a, video=video, view="posterior", created_by=clinician)
    client.force_login(clinician)
    for url in (visit_a.get_absolute_url(), assessment.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in page and "<img src=x" not in page


@pytest.mark.parametrize("content_type", ["application/x-msdownload", "text/html", "image/png", ""])
def test_the_content_type_header_is_ignored_for_a_good_clip(api_as, clinician, visit_a, content_type):
    video = SimpleUploadedFile("clip.mp4", cam03(), content_type or "application/octet-stream")
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": video})
    assert response.status_code == 201
    assert Assessment.objects.get().video_meta["frames"] == 100


# --- Downloads: server-chosen names and types, never sniffed ---------------------------------


def test_video_and_keyframe_downloads_carry_server_chosen_names_and_nosniff(client, clinician, visit_a, finish):
    # A complete MP4 with an HTML page appended: playable, so accepted (trailing bytes after a
    # whole movie are ignored by players, and some phones append a trailer). It must never be
    # served as anything but the video it claims to be.
    polyglot = cam03() + b"<html><script>alert(document.cookie)</script></html>"
    video = SimpleUploadedFile("evil.html", polyglot, "text/html")
    assessment = finish(assessment_create(visit=visit_a, video=video, view="posterior", created_by=clinician))
    client.force_login(clinician)
    response = client.get(reverse("assessments:video", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="assessment-{assessment.pk}-video.mp4"'
    assert b"".join(response.streaming_content) == polyglot
    keyframe = client.get(reverse("assessments:keyframe", args=[assessment.pk, 0]))
    assert keyframe["Content-Type"] == "image/png" and keyframe["X-Content-Type-Options"] == "nosniff"
    assert keyframe["Content-Disposition"] == f'inline; filename="assessment-{assessment.pk}-keyframe-0.png"'


# --- Valid videos that only the analysis can judge -------------------------------------------


def test_a_sideways_clip_is_accepted_at_upload_and_left_to_the_quality_gate(api_as, clinician, visit_a):
    """Orientation needs pose estimation, so the upload accepts the Sports2D side view; the worker
    flags it ``sideways_view`` (tests/assessments/analysis/test_real_video.py)."""
    video = SimpleUploadedFile("side.mp4", SPORTS2D.read_bytes(), "video/mp4")
    response = api_as(clinician).post(API, {"visit": visit_a.pk, "view": "posterior", "video": video})
    assert response.status_code == 201
    assert response.data["status"] == "queued"


def test_a_video_without_a_person_is_accepted_then_failed_by_the_worker_with_its_reason(visit_a, clinician):
    """A treadmill filmed with nobody on it is a valid clip; only pose estimation finds nobody in it."""
    from assessments.tasks import analyse_assessment

    video = SimpleUploadedFile("empty-treadmill.mp4", written_clip(fps=30, frames=45), "video/mp4")
    assessment = assessment_create(visit=visit_a, video=video, view="posterior", created_by=clinician)
    assert analyse_assessment.apply(args=[assessment.pk, str(assessment.job_id)]).get() == "failed"
    assessment.refresh_from_db()
    assert assessment.status == "failed"
    assert "person" in assessment.failure_reason and assessment.result is None
