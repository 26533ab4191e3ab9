"""Who may do what with assessments: anonymous, athlete A (owner), athlete B, front desk, clinician.

Every API endpoint and every page or stream is listed here with the answer each role gets.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import AssessmentStatus
from tests.assessments.conftest import CAM03, upload_of
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "athlete_a", "athlete_b", "front_desk", "clinician"]


@pytest.fixture
def users(athlete_a, athlete_b, front_desk, clinician):
    return {
        "anonymous": None,
        "athlete_a": athlete_a[0],
        "athlete_b": athlete_b[0],
        "front_desk": front_desk,
        "clinician": clinician,
    }


@pytest.fixture
def api_for(api, users):
    def login(role):
        if users[role] is not None:
            api.force_authenticate(user=users[role])
        return api

    return login


@pytest.fixture
def client_for(client, users):
    def login(role):
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


API_EXPECTED = {
    #                      anonymous athlete_a athlete_b front_desk clinician
    "list": dict(zip(ROLES, [401, 200, 200, 403, 200], strict=True)),
    "retrieve": dict(zip(ROLES, [401, 200, 404, 403, 200], strict=True)),
    "status": dict(zip(ROLES, [401, 403, 403, 403, 200], strict=True)),
    "result": dict(zip(ROLES, [401, 403, 403, 403, 200], strict=True)),
    "reanalyse": dict(zip(ROLES, [401, 403, 403, 403, 202], strict=True)),
    "trend": dict(zip(ROLES, [401, 200, 404, 403, 200], strict=True)),
}


def api_call(api, endpoint, assessment):
    base = f"/api/v1/assessments/{assessment.pk}/"
    if endpoint == "list":
        return api.get("/api/v1/assessments/")
    if endpoint == "retrieve":
        return api.get(base)
    if endpoint == "reanalyse":
        return api.post(base + "reanalyse/")
    if endpoint == "trend":
        return api.get(f"/api/v1/patients/{assessment.patient_id}/hip-drop-trend/")
    return api.get(base + endpoint + "/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(API_EXPECTED))
def test_api_access_matrix(api_for, analysed_a, role, endpoint):
    response = api_call(api_for(role), endpoint, analysed_a)
    assert response.status_code == API_EXPECTED[endpoint][role], response.content


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("athlete_a", 403), ("athlete_b", 403), ("front_desk", 403)]
)
def test_only_clinicians_may_upload(api_for, visit_a, role, expected):
    response = api_for(role).post("/api/v1/assessments/", {"visit": visit_a.pk, "video": upload_of(CAM03)})
    assert response.status_code == expected
    assert not visit_a.assessments.exists()


def test_athlete_cannot_upload_to_another_athletes_visit(api_for, athlete_a, visit_b):
    response = api_for("athlete_a").post("/api/v1/assessments/", {"visit": visit_b.pk, "video": upload_of(CAM03)})
    assert response.status_code == 403


def test_athlete_lists_the_summaries_of_their_own_analysed_assessments_only(api_for, visit_a, visit_b):
    own = AssessmentFactory(visit=visit_a, cpd_left_mean_deg=7.5)
    AssessmentFactory(visit=visit_a, status=AssessmentStatus.QUEUED, analysed_at=None)  # not analysed yet
    AssessmentFactory(visit=visit_b)  # another athlete's
    response = api_for("athlete_a").get("/api/v1/assessments/")
    assert response.status_code == 200
    rows = response.data["results"]
    assert [row["id"] for row in rows] == [own.pk]
    assert rows[0]["cpd_left_mean_deg"] == 7.5
    # A summary: no processing state, no file names, no links to the video.
    assert not {"status", "progress", "video_sha256", "urls", "failure_reason", "interpretation"} & set(rows[0])


def test_athlete_b_sees_none_of_athlete_as_assessments(api_for, visit_a):
    AssessmentFactory(visit=visit_a)
    assert api_for("athlete_b").get("/api/v1/assessments/").data["results"] == []


def test_front_desk_sees_no_assessment(api_for, visit_a):
    AssessmentFactory(visit=visit_a)
    assert api_for("front_desk").get("/api/v1/assessments/").status_code == 403


def test_clinician_lists_every_state_with_processing_details(api_for, visit_a, visit_b):
    AssessmentFactory(visit=visit_a)
    AssessmentFactory(visit=visit_b, status=AssessmentStatus.PROCESSING, progress=40, analysed_at=None)
    rows = api_for("clinician").get("/api/v1/assessments/?ordering=created_at").data["results"]
    assert [(row["status"], row["progress"]) for row in rows] == [("done", 100), ("processing", 40)]


def test_status_endpoint_reports_progress(api_for, uploaded):
    body = api_for("clinician").get(f"/api/v1/assessments/{uploaded.pk}/status/").data
    assert body == {
        "id": uploaded.pk,
        "status": "queued",
        "status_label": "Queued",
        "progress": 0,
        "failure_reason": "",
        "attempts": 0,
        "has_result": False,
        "finished_at": None,
        "pictures_pending": False,
    }


def test_result_endpoint_returns_the_engine_json(api_for, analysed_a):
    body = api_for("clinician").get(f"/api/v1/assessments/{analysed_a.pk}/result/").json()
    assert body["summary"]["left"]["cpd_midstance_deg"] == analysed_a.result["summary"]["left"]["cpd_midstance_deg"]
    assert body["quality"]["flags"] == analysed_a.flags
    assert "pelvic_obliquity_deg" in body["frames"]


def test_result_endpoint_says_when_there_is_no_result_yet(api_for, uploaded):
    response = api_for("clinician").get(f"/api/v1/assessments/{uploaded.pk}/result/")
    assert response.status_code == 404
    assert response.data["detail"] == "No result yet: the assessment is queued."


PAGES = {
    "detail": lambda a: reverse("assessments:detail", args=[a.pk]),
    "video": lambda a: reverse("assessments:video", args=[a.pk]),
    "preview": lambda a: reverse("assessments:preview", args=[a.pk]),
    "keyframe": lambda a: reverse("assessments:keyframe", args=[a.pk, 0]),
    "trend": lambda a: reverse("assessments:trend", args=[a.patient_id]),
    "compare": lambda a: reverse("assessments:compare", args=[a.patient_id]),
    "report": lambda a: reverse("assessments:visit-report", args=[a.visit_id]),
    "report_pdf": lambda a: reverse("assessments:visit-report-pdf", args=[a.visit_id]),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_pages_and_streams_are_for_clinicians_only(client_for, analysed_a, role, page):
    response = client_for(role).get(PAGES[page](analysed_a))
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif role == "clinician":
        if page in ("preview", "keyframe") and not (analysed_a.preview if page == "preview" else analysed_a.keyframes):
            assert response.status_code == 404  # the engine drew no such file for this clip
        else:
            assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["athlete_a", "athlete_b", "front_desk"])
def test_non_clinicians_cannot_upload_annotate_or_reanalyse_on_pages(client_for, analysed_a, role):
    client = client_for(role)
    assert (
        client.post(reverse("assessments:upload", args=[analysed_a.visit_id]), {"video": upload_of(CAM03)}).status_code
        == 403
    )
    assert (
        client.post(reverse("assessments:interpretation", args=[analysed_a.pk]), {"interpretation": "x"}).status_code
        == 403
    )
    assert client.post(reverse("assessments:reanalyse", args=[analysed_a.pk])).status_code == 403
    analysed_a.refresh_from_db()
    assert analysed_a.interpretation == "" and analysed_a.status != AssessmentStatus.QUEUED


def test_anonymous_is_sent_to_sign_in_for_every_page_action(client, analysed_a):
    for url in (
        reverse("assessments:upload", args=[analysed_a.visit_id]),
        reverse("assessments:interpretation", args=[analysed_a.pk]),
        reverse("assessments:reanalyse", args=[analysed_a.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_filtering_by_another_patient_reveals_nothing(api_for, athlete_b, visit_a):
    AssessmentFactory(visit=visit_a)
    api = api_for("athlete_a")
    assert api.get(f"/api/v1/assessments/?patient={athlete_b[1].pk}").data["results"] == []
    assert api.get("/api/v1/assessments/?patient=999999").data["results"] == []
    assert len(api.get(f"/api/v1/assessments/?patient={visit_a.patient_id}").data["results"]) == 1
