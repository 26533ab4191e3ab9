"""Self-checks from the portal (issue 12, item 7): an athlete records or chooses a clip of their own
running between visits; it is analysed like any upload, lands on the clinicians' review list, and the
athlete sees its result only after a clinician's review, with their words. It is no clinic
measurement (trend, report, FHIR, exports, REST lists) until a clinician accepts it into the trend,
and then it is labelled a self-check wherever it appears."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.models import Assessment, AssessmentSource, AssessmentStatus
from assessments.services.self_checks import self_check_create, self_check_review
from assessments.tasks import analyse_assessment
from audit.models import AuditEvent
from exports.build import build_export_zip
from patients.consents import NO_CONSENT_SELF_CHECK_MESSAGE, consent_withdraw
from tests.assessments.conftest import CAM03, upload_of
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

WORDS = "Lovely steady running, Ada! Your left side looks stronger; keep going with the bridges."


def audit_summaries(assessment: Assessment) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="assessments.assessment", target_id=str(assessment.pk))
        .order_by("id")
        .values_list("summary", flat=True)
    )


@pytest.fixture
def sent(athlete_a):
    """A self-check athlete A sent (queued, no analysis run)."""
    user, patient = athlete_a
    return self_check_create(patient=patient, video=upload_of(CAM03), view="posterior", sent_by=user)


@pytest.fixture
def analysed_self_check(sent, finish):
    return finish(sent)


def _framing_checklist(html: str) -> str:
    found = re.search(r'<div class="framing-checklist" id="framing_checklist">.*?</div>', html, re.S)
    assert found, "no framing checklist on the page"
    return found.group(0)


def test_athlete_sends_a_self_check_from_the_portal_page_and_the_real_engine_analyses_it(
    client, athlete_a, visit_a, clinician
):
    user, patient = athlete_a
    client.force_login(user)
    page = client.get(reverse("self-checks:mine")).content.decode()
    assert 'capture="environment"' in page and 'accept="video/*"' in page
    response = client.post(reverse("self-checks:send"), {"video": upload_of(CAM03), "view": "posterior"})
    sc = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("self-checks:detail", args=[sc.pk])
    assert sc.source == AssessmentSource.SELF_CHECK and sc.visit_id is None and sc.patient_id == patient.pk
    assert sc.status == AssessmentStatus.QUEUED and sc.created_by == user

    outcome = analyse_assessment.apply(args=[sc.pk, str(sc.job_id)]).get()  # the clinic's own job
    sc.refresh_from_db()
    assert outcome in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED) and sc.has_result
    assert sc.cpd_left_mean_deg is not None

    detail = client.get(reverse("self-checks:detail", args=[sc.pk])).content.decode()
    assert "Sent to your clinic, waiting for review" in detail
    assert f"{sc.cpd_left_mean_deg:.1f}°" not in detail and "Your result" not in detail

    client.force_login(clinician)
    today = client.get(reverse("today")).content.decode()
    review_list = client.get(reverse("assessments:self-checks")).content.decode()
    for html in (today, review_list):
        assert sc.get_absolute_url() in html and "waiting for review" in html
    result_page = client.get(sc.get_absolute_url()).content.decode()
    assert "Self-check by the athlete" in result_page and 'id="self-check-review"' in result_page


def test_the_portal_form_and_the_clinic_upload_form_show_the_one_framing_checklist(
    client, athlete_a, clinician, visit_a
):
    client.force_login(athlete_a[0])
    portal = client.get(reverse("self-checks:mine")).content.decode()
    client.force_login(clinician)
    clinic = client.get(visit_a.get_absolute_url()).content.decode()
    assert _framing_checklist(portal) == _framing_checklist(clinic)
    assert "hip height" in _framing_checklist(portal)


def test_athlete_sends_a_self_check_over_the_api_and_sees_the_clinicians_words_only_after_review(
    api, athlete_a, clinician, finish
):
    user, _ = athlete_a
    api.force_authenticate(user=user)
    response = api.post(
        reverse("api:self-check-list"), {"video": upload_of(CAM03), "view": "posterior"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "analysing"
    sc = finish(Assessment.objects.get(pk=response.json()["id"]))

    before = api.get(reverse("api:self-check-detail", args=[sc.pk])).json()
    assert before["state"] == "waiting_for_review"
    assert "waiting for review" in before["state_text"]
    assert before["comment"] == "" and before["summary"] == ""
    assert [before[k] for k in ("cpd_left_mean_deg", "cpd_right_mean_deg", "mean_cpd_deg", "cadence_spm")] == [None] * 4
    # Nor through the clinic's own assessment list: not a clinic measurement.
    assert api.get(reverse("api:assessment-list")).json()["results"] == []

    api.force_authenticate(user=clinician)
    queue = api.get(reverse("api:self-check-list")).json()["results"]
    assert [row["id"] for row in queue] == [sc.pk] and queue[0]["reviewed_at"] is None
    reviewed = api.post(reverse("api:self-check-review", args=[sc.pk]), {"comment": WORDS}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["review_comment"] == WORDS

    api.force_authenticate(user=user)
    after = api.get(reverse("api:self-check-detail", args=[sc.pk])).json()
    assert after["state"] == "reviewed" and after["comment"] == WORDS
    assert after["reviewed_by"] and after["summary"]
    if sc.counts:
        assert after["cpd_left_mean_deg"] == sc.cpd_left_mean_deg
        assert after["summary"].startswith("On average your pelvis stayed within")
    assert not any(word in after["summary"].lower() for word in ("dip", "bad", "poor", "weak"))
    assert api.get(reverse("api:assessment-list")).json()["results"] == []  # reviewed, not accepted


def test_athlete_page_shows_the_clinicians_words_after_review(client, athlete_a, clinician, analysed_self_check):
    sc = self_check_review(assessment=analysed_self_check, comment=WORDS, add_to_trend=False, reviewed_by=clinician)
    client.force_login(athlete_a[0])
    page = client.get(reverse("self-checks:detail", args=[sc.pk])).content.decode()
    assert "Reviewed by" in page and "Lovely steady running, Ada!" in page and "Your result" in page
    assert "waiting for review" not in page


def _main(html: str) -> str:
    """The page's own content, without the menu."""
    found = re.search(r'<main class="page" id="main".*?</main>', html, re.S)
    assert found, "no main content on the page"
    return found.group(0)


def _trend_ids(api, patient) -> list[int]:
    body = api.get(reverse("api:patient-hip-drop-trend", args=[patient.pk])).json()
    return [p["assessment_id"] for p in body["points"]]


def _fhir_observation_ids(api, patient) -> set[int]:
    bundle = api.get(f"/fhir/r4/Observation?patient={patient.pk}&_count=200").json()
    return {int(entry["resource"]["id"].split("-")[1]) for entry in bundle.get("entry", [])}


def _export_rows(patient, user, tmp_path) -> list[dict[str, str]]:
    target = tmp_path / "export.zip"
    build_export_zip(patient=patient, user=user, target=target, exported_at="now")
    with zipfile.ZipFile(target) as zf:
        return list(csv.DictReader(io.StringIO(zf.read("results.csv").decode())))


def test_a_self_check_is_no_clinic_measurement_until_accepted_into_the_trend_and_is_labelled_after(
    api, client, athlete_a, clinician, analysed_a, analysed_self_check, tmp_path
):
    _, patient = athlete_a
    sc = analysed_self_check
    assert sc.shows_numbers
    api.force_authenticate(user=clinician)
    client.force_login(clinician)

    # Before: only the clinic's clip, everywhere a measurement is read.
    assert _trend_ids(api, patient) == [analysed_a.pk]
    assert _fhir_observation_ids(api, patient) == {analysed_a.pk}
    assert api.get(f"/fhir/r4/Observation/assessment-{sc.pk}-cpd-left").status_code == 404
    assert api.get(f"/fhir/r4/Media/assessment-{sc.pk}").status_code == 404
    assert [row["assessment_id"] for row in _export_rows(patient, clinician, tmp_path)] == [str(analysed_a.pk)]
    assert [row["id"] for row in api.get(reverse("api:assessment-list")).json()["results"]] == [analysed_a.pk]
    assert sc.get_absolute_url() not in client.get(reverse("assessments:trend", args=[patient.pk])).content.decode()
    report = client.get(reverse("assessments:visit-report", args=[analysed_a.visit_id])).content.decode()
    assert "self-check" not in _main(report)  # the menu names the clinicians' self-check list on every page
    assert list(selectors.assessment_queryset_for(clinician)) == [analysed_a]

    # Reviewed without acceptance: still none of them.
    self_check_review(assessment=sc, comment=WORDS, add_to_trend=False, reviewed_by=clinician)
    assert _trend_ids(api, patient) == [analysed_a.pk]

    # Accepted into the trend: present, and labelled a self-check.
    self_check_review(assessment=sc, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    points = api.get(reverse("api:patient-hip-drop-trend", args=[patient.pk])).json()["points"]
    assert [(p["assessment_id"], p["self_check"], p["visit_id"]) for p in points] == [
        (analysed_a.pk, False, analysed_a.visit_id),
        (sc.pk, True, None),
    ]
    trend_page = client.get(reverse("assessments:trend", args=[patient.pk])).content.decode()
    assert (
        sc.get_absolute_url() in trend_page and "self-check" in _main(trend_page) and "point-self-check" in trend_page
    )

    observation = api.get(f"/fhir/r4/Observation/assessment-{sc.pk}-cpd-left").json()
    assert observation["method"]["coding"][0]["code"] == "athlete-self-check-video"
    assert "encounter" not in observation
    assert any("Self-check" in note["text"] for note in observation["note"])
    sent_on = sc.measured_on.isoformat()
    dated = api.get(f"/fhir/r4/Observation?patient={patient.pk}&date={sent_on}&code=cpd-left").json()
    assert f"assessment-{sc.pk}-cpd-left" in {entry["resource"]["id"] for entry in dated["entry"]}
    assert observation["effectiveDateTime"] == sent_on
    clinic_obs = api.get(f"/fhir/r4/Observation/assessment-{analysed_a.pk}-cpd-left").json()
    assert clinic_obs["method"]["coding"][0]["code"] == "clinic-treadmill-video"
    media = api.get(f"/fhir/r4/Media/assessment-{sc.pk}").json()
    assert "encounter" not in media and "Self-check" in media["note"][0]["text"]

    rows = {row["assessment_id"]: row for row in _export_rows(patient, clinician, tmp_path)}
    assert rows[str(sc.pk)]["source"] == "self_check" and rows[str(analysed_a.pk)]["source"] == "clinic"


def test_the_athletes_portal_summary_names_an_accepted_self_check(client, athlete_a, clinician):
    """A measured self-check (summary columns as the trend tests build them) read in the portal."""
    user, patient = athlete_a
    sc = AssessmentFactory(visit=None, patient=patient, source="self_check", created_by=user)
    client.force_login(user)
    assert "your self-check" not in client.get(reverse("portal:today")).content.decode()
    self_check_review(assessment=sc, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    summaries = client.get(reverse("portal:today")).content.decode()
    assert "your self-check" in summaries and "On average your pelvis stayed within 5.0° of level" in summaries


def test_another_athlete_gets_404_and_the_front_desk_is_refused(
    client, api, athlete_b, front_desk, analysed_self_check
):
    sc = analysed_self_check
    client.force_login(athlete_b[0])
    assert client.get(reverse("self-checks:detail", args=[sc.pk])).status_code == 404
    mine_b = client.get(reverse("self-checks:mine")).content.decode()
    assert reverse("self-checks:detail", args=[sc.pk]) not in mine_b
    api.force_authenticate(user=athlete_b[0])
    assert api.get(reverse("api:self-check-detail", args=[sc.pk])).status_code == 404
    assert api.get(reverse("api:self-check-list")).json()["results"] == []

    client.force_login(front_desk)
    for url in (reverse("self-checks:mine"), reverse("self-checks:detail", args=[sc.pk]), sc.get_absolute_url()):
        assert client.get(url).status_code == 403
    assert client.get(reverse("assessments:self-checks")).status_code == 403
    api.force_authenticate(user=front_desk)
    assert api.get(reverse("api:self-check-list")).status_code == 403
    assert api.get(reverse("api:self-check-detail", args=[sc.pk])).status_code == 403
    assert api.post(reverse("api:self-check-review", args=[sc.pk]), {"comment": WORDS}).status_code == 403
    sc.refresh_from_db()
    assert sc.reviewed_at is None


def test_the_athlete_cannot_review_or_open_the_clinicians_result_page(client, api, athlete_a, analysed_self_check):
    sc = analysed_self_check
    client.force_login(athlete_a[0])
    assert client.get(sc.get_absolute_url()).status_code == 403
    assert client.post(reverse("assessments:self-check-review", args=[sc.pk]), {"comment": WORDS}).status_code == 403
    api.force_authenticate(user=athlete_a[0])
    assert api.post(reverse("api:self-check-review", args=[sc.pk]), {"comment": WORDS}).status_code == 403


def _stored_files() -> set[str]:
    from assessments.models import private_storage

    storage = private_storage()
    found: set[str] = set()

    def walk(folder: str) -> None:
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:  # nothing stored yet
            return
        found.update(f"{folder}/{name}" for name in files)
        for name in dirs:
            walk(f"{folder}/{name}" if folder else name)

    walk("")
    return found


def test_without_consent_the_portal_says_the_clinic_must_record_it_and_nothing_is_stored(
    client, api, athlete_a, clinician
):
    user, patient = athlete_a
    consent_withdraw(patient=patient, withdrawn_by=clinician)
    before = _stored_files()
    client.force_login(user)
    page = client.get(reverse("self-checks:mine")).content.decode()
    assert NO_CONSENT_SELF_CHECK_MESSAGE in page and 'id="send-self-check-button"' not in page
    response = client.post(reverse("self-checks:send"), {"video": upload_of(CAM03), "view": "posterior"})
    assert response.status_code == 400
    assert "your clinic needs to record your consent" in response.content.decode()
    api.force_authenticate(user=user)
    refused = api.post(
        reverse("api:self-check-list"), {"video": upload_of(CAM03), "view": "posterior"}, format="multipart"
    )
    assert refused.status_code == 400 and "your clinic needs to record your consent" in str(refused.json())
    assert not Assessment.objects.exists()
    assert _stored_files() == before


def test_upload_review_acceptance_and_athlete_views_are_audited(client, athlete_a, clinician, analysed_self_check):
    sc = analysed_self_check
    client.force_login(athlete_a[0])
    client.get(reverse("self-checks:detail", args=[sc.pk]))
    client.force_login(clinician)
    response = client.post(
        reverse("assessments:self-check-review", args=[sc.pk]), {"comment": WORDS, "add_to_trend": "on"}
    )
    assert response.status_code == 302
    summaries = audit_summaries(sc)
    assert any(s.startswith("self-check sent by the athlete, uploaded") for s in summaries)
    assert "own self-check (waiting_for_review)" in summaries
    assert any(s.startswith("self-check reviewed: Lovely steady running") for s in summaries)
    assert "self-check accepted into the trend" in summaries
    sent = AuditEvent.objects.get(target_id=str(sc.pk), summary__startswith="self-check sent")
    assert sent.actor_id == athlete_a[0].pk and sent.patient_id == athlete_a[1].pk


def test_a_review_needs_words_for_the_athlete_and_a_finished_analysis(clinician, sent, finish):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="still being analysed"):
        self_check_review(assessment=sent, comment=WORDS, add_to_trend=False, reviewed_by=clinician)
    sc = finish(sent)
    with pytest.raises(ValidationError, match="Write a sentence"):
        self_check_review(assessment=sc, comment="ok", add_to_trend=False, reviewed_by=clinician)
    sc.refresh_from_db()
    assert sc.reviewed_at is None


def test_a_not_measurable_self_check_is_reviewed_but_cannot_join_the_trend(clinician, athlete_a, finish_side_view):
    from django.core.exceptions import ValidationError

    from tests.assessments.conftest import SIDE_VIEW

    user, patient = athlete_a
    sc = finish_side_view(
        self_check_create(patient=patient, video=upload_of(SIDE_VIEW), view="posterior", sent_by=user)
    )
    with pytest.raises(ValidationError, match="has no number"):
        self_check_review(assessment=sc, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    reviewed = self_check_review(assessment=sc, comment=WORDS, add_to_trend=False, reviewed_by=clinician)
    check = selectors.athlete_self_check(reviewed)
    assert check.is_reviewed and check.mean_cpd_deg is None and check.comment == WORDS


def _tus_metadata(**values: object) -> str:
    import base64

    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def test_a_large_self_check_goes_in_resumable_pieces_and_lands_as_the_athletes_self_check(
    api, athlete_a, settings, tmp_path
):
    import hashlib

    settings.ASSESSMENT_RESUMABLE_DIR = tmp_path / "partial"
    user, patient = athlete_a
    api.force_authenticate(user=user)
    data = CAM03.read_bytes()
    tus = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    created = api.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=_tus_metadata(self_check=1, view="posterior", filename="my-run.mp4"),
        **tus,
    )
    assert created.status_code == 201, created.content
    url, half = created["Location"], len(data) // 2
    first = api.generic(
        "PATCH", url, data=data[:half], content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0", **tus
    )
    assert first.status_code == 204
    assert api.head(url, **tus)["Upload-Offset"] == str(half)  # the connection dropped here: ask, carry on
    last = api.generic(
        "PATCH",
        url,
        data=data[half:],
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(half),
        **tus,
    )
    assert last.status_code == 204, last.content
    sc = Assessment.objects.get()
    assert last["Assessment-Location"] == reverse("self-checks:detail", args=[sc.pk])
    assert sc.is_self_check and sc.visit_id is None and sc.patient_id == patient.pk
    assert sc.video_sha256 == hashlib.sha256(data).hexdigest()


def test_an_athlete_cannot_start_a_resumable_upload_into_a_clinic_visit(api, athlete_a, visit_a):
    api.force_authenticate(user=athlete_a[0])
    response = api.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH="1000",
        HTTP_UPLOAD_METADATA=_tus_metadata(visit=visit_a.pk, view="posterior"),
        HTTP_TUS_RESUMABLE="1.0.0",
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_a_re_analysis_takes_the_self_check_out_of_the_trend_until_it_is_reviewed_again(
    clinician, visit_a, analysed_self_check, finish
):
    from assessments.services import assessment_reanalyse

    sc = self_check_review(assessment=analysed_self_check, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    assert sc in selectors.assessment_queryset_for(clinician)
    sc = finish(assessment_reanalyse(assessment=sc, requested_by=clinician))  # the same real result, stored again
    assert sc.analysed_at > sc.in_trend_at and not sc.in_trend and not sc.is_reviewed
    assert sc not in selectors.assessment_queryset_for(clinician)
    assert sc in selectors.self_checks_to_review(user=clinician)
    assert selectors.athlete_self_check(sc).state == "waiting_for_review"
    sc = self_check_review(assessment=sc, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    assert sc in selectors.assessment_queryset_for(clinician) and sc.in_trend


KEYFRAME = {"side": "left", "kind": "midstance", "frame": 12, "cpd_midstance_deg": 6.0, "name": "unused.png"}


def test_hip_checks_and_programme_cadence_leave_a_self_check_out_until_it_is_accepted(clinician, athlete_a, visit_a):
    from assessments.services.reviews import hip_check_save
    from programs.selectors import latest_measured_cadence

    _, patient = athlete_a
    clinic = AssessmentFactory(visit=visit_a, keyframes=[KEYFRAME], cadence_spm=168.0)
    sc = AssessmentFactory(visit=None, patient=patient, source="self_check", keyframes=[KEYFRAME], cadence_spm=180.0)
    for a in (clinic, sc):
        hip_check_save(assessment=a, keyframe_index=0, left_hip=(100, 200), right_hip=(200, 205), checked_by=clinician)
    assert [c.assessment_id for c in selectors.hip_checks_for(clinician)] == [clinic.pk]
    assert latest_measured_cadence(user=clinician, patient=patient) == (168, visit_a.visit_date)

    self_check_review(assessment=sc, comment=WORDS, add_to_trend=True, reviewed_by=clinician)
    assert {c.assessment_id for c in selectors.hip_checks_for(clinician)} == {clinic.pk, sc.pk}
    assert sc.measured_on > visit_a.visit_date  # sent today, after the visit a week ago
    assert latest_measured_cadence(user=clinician, patient=patient) == (180, sc.measured_on)


def test_the_result_page_polls_the_status_of_a_self_check_under_review(api, clinician, athlete_a, sent):
    api.force_authenticate(user=clinician)
    status = api.get(reverse("api:assessment-status", args=[sent.pk]))
    assert status.status_code == 200 and status.json()["status"] == "queued"
    # The clinic's assessment resource itself lists and reads measurements only.
    assert api.get(reverse("api:assessment-detail", args=[sent.pk])).status_code == 404
    api.force_authenticate(user=athlete_a[0])
    assert api.get(reverse("api:assessment-status", args=[sent.pk])).status_code == 403


def test_clinicians_reach_the_self_check_list_from_the_menu_and_the_front_desk_does_not(
    client, clinician, front_desk, athlete_a
):
    link = f'href="{reverse("assessments:self-checks")}"'
    client.force_login(clinician)
    assert link in client.get(reverse("patients:list")).content.decode()
    for other in (front_desk, athlete_a[0]):
        client.force_login(other)
        assert link not in client.get(reverse("home"), follow=True).content.decode()
