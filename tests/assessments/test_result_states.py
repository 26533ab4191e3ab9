"""Issue 13 on the product's surfaces: not measurable shows no number anywhere, low confidence is
muted and out of change figures until a clinician accepts it, one result of record per visit
and view, and a change is real only beyond the SDD between counted results with >= 7 stances."""

from __future__ import annotations

import datetime
import io
import re

import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.assessments.conftest import SIDE_VIEW, upload_of
from tests.factories import AssessmentFactory, VisitFactory

pytestmark = pytest.mark.django_db

TOO_SHORT = {"code": "too_short", "message": "Only 5 left and 5 right steps could be measured."}
SIDEWAYS = {"code": "sideways_view", "message": "The athlete seems to be filmed from the side."}


def flagged(*flags):
    return {"quality": {"ok": not flags, "flags": list(flags)}, "stances": []}


def visit_on(patient, clinician, days_ago):
    return VisitFactory(
        patient=patient, clinician=clinician, visit_date=timezone.localdate() - datetime.timedelta(days=days_ago)
    )


@pytest.fixture
def side_view_a(visit_a, clinician, finish_side_view):
    from assessments.services import assessment_create

    assessment = assessment_create(visit=visit_a, video=upload_of(SIDE_VIEW), view="posterior", created_by=clinician)
    return finish_side_view(assessment)


def _numbers(text: str) -> list[str]:
    """Degree values and step rates a page shows."""
    return re.findall(r"-?\d+(?:\.\d+)?\s?°|\d+ steps", text)


def test_real_side_view_clip_is_stored_not_measurable_with_null_columns(side_view_a):
    assert side_view_a.quality_status == "not_measurable"
    assert side_view_a.result["quality"]["status"] == "not_measurable"
    assert side_view_a.cpd_left_mean_deg is None and side_view_a.cadence_spm is None
    assert side_view_a.result["frames"]["pelvic_obliquity_deg"]  # per-frame data kept for audit


def test_not_measurable_shows_no_number_on_result_page_report_pdf_trend_compare(client, clinician, side_view_a):
    earlier = AssessmentFactory(visit=visit_on(side_view_a.patient, clinician, 30))
    client.force_login(clinician)
    page = client.get(side_view_a.get_absolute_url()).content.decode()
    assert "Not measurable" in page and "filmed from the side" in page
    assert 'id="summary"' not in page and 'id="stances"' not in page and 'id="obliquity"' not in page
    report = client.get(reverse("assessments:visit-report", args=[side_view_a.visit_id])).content.decode()
    section = report.split("What we measured")[1].split("Your plan")[0]
    assert "could not be measured" in section and _numbers(section.split("</section>", 1)[1]) == []
    pdf = client.get(reverse("assessments:visit-report-pdf", args=[side_view_a.visit_id]))
    with pdfplumber.open(io.BytesIO(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "could not be measured" in text
    assert "pelvic drop on average" not in text and "steps per minute" not in text
    trend = client.get(reverse("assessments:trend", args=[side_view_a.patient_id])).content.decode()
    assert trend.count("point point-left") == 1  # the earlier measurable visit only
    assert 'id="not-measurable"' in trend
    body = client.get(f"/api/v1/patients/{side_view_a.patient_id}/hip-drop-trend/").json()
    assert [p["assessment_id"] for p in body["points"]] == [earlier.pk]
    assert body["not_measurable"][0]["assessment_id"] == side_view_a.pk
    compare = client.get(
        reverse("assessments:compare", args=[side_view_a.patient_id]) + f"?a={earlier.pk}&b={side_view_a.pk}"
    ).content.decode()
    table = compare.split('id="compare-table"')[1].split("</table>")[0]
    later_cells = re.findall(r'<td class="num state-not_measurable"><span class="value">([^<]*)</span>', table)
    assert later_cells and set(later_cells) == {"\u2013"}  # en dash
    api = client.get(f"/api/v1/assessments/{side_view_a.pk}/").json()
    assert api["quality_status"] == "not_measurable" and api["cpd_left_mean_deg"] is None


def test_not_measurable_is_not_in_the_athlete_portal(client, athlete_a, side_view_a):
    client.force_login(athlete_a[0])
    page = client.get("/portal/").content.decode()
    assert "of level" not in page and "dip" not in page.lower()
    visit_page = client.get(side_view_a.visit.get_absolute_url()).content.decode()
    section = visit_page.split('id="my-assessments"')[1].split("</section>")[0]
    assert [n for n in _numbers(section) if n != "2.8°"] == []  # only the SDD in the help text


@pytest.fixture
def mixed_trend(athlete_a, clinician):
    """Four visits: measurable 9.0, low confidence 2.0 (too few steps), not measurable, measurable 8.0."""
    patient = athlete_a[1]
    first = AssessmentFactory(visit=visit_on(patient, clinician, 90), cpd_left_mean_deg=9.0)
    unsure = AssessmentFactory(
        visit=visit_on(patient, clinician, 60),
        cpd_left_mean_deg=2.0,
        n_left=5,
        n_right=5,
        status="flagged",
        quality_ok=False,
        result=flagged(TOO_SHORT),
    )
    AssessmentFactory(
        visit=visit_on(patient, clinician, 30),
        cpd_left_mean_deg=-55.8,
        status="flagged",
        quality_ok=False,
        result=flagged(SIDEWAYS),
    )
    last = AssessmentFactory(visit=visit_on(patient, clinician, 1), cpd_left_mean_deg=8.0)
    return patient, first, unsure, last


def test_trend_api_points_carry_status_and_included_and_changes_use_included_points_only(
    api_as, clinician, mixed_trend
):
    patient, _, unsure, _ = mixed_trend
    body = api_as(clinician).get(f"/api/v1/patients/{patient.pk}/hip-drop-trend/").json()
    points = {p["assessment_id"]: p for p in body["points"]}
    assert [p["status"] for p in body["points"]] == ["measurable", "low_confidence", "measurable"]
    assert [p["included"] for p in body["points"]] == [True, False, True]
    assert points[unsure.pk]["cpd_left_mean_deg"] == 2.0  # shown (muted on the page), not counted
    assert all(p["cpd_left_mean_deg"] != -55.8 for p in body["points"])
    left = body["change"]["cpd_left_mean_deg"]
    # Counting the low-confidence 2.0 would make "+6.0 since previous, beyond noise".
    assert left["since_previous"] == -1.0 and left["since_previous_beyond_sdd"] is False
    assert left["since_first"] == -1.0
    assert "at least 7 steps per side" in body["change_rule"]


def test_accepting_a_low_confidence_result_brings_it_into_the_change_figures_but_not_as_real(
    api_as, client, clinician, mixed_trend
):
    patient, _, unsure, _ = mixed_trend
    client.force_login(clinician)
    response = client.post(reverse("assessments:accept", args=[unsure.pk]), {"note": "short"})
    unsure.refresh_from_db()
    assert response.status_code == 302 and not unsure.is_accepted  # a note that says why is required
    note = "Counted the steps on the video: five clean stances per side."
    client.post(reverse("assessments:accept", args=[unsure.pk]), {"note": note})
    unsure.refresh_from_db()
    assert unsure.is_accepted and unsure.accepted_by == clinician and unsure.acceptance_note == note
    assert AuditEvent.objects.filter(target_id=str(unsure.pk), summary__contains="accepted").exists()
    body = api_as(clinician).get(f"/api/v1/patients/{patient.pk}/hip-drop-trend/").json()
    assert [p["included"] for p in body["points"]] == [True, True, True]
    left = body["change"]["cpd_left_mean_deg"]
    assert left["since_previous"] == 6.0
    # 6 degrees is past the SDD, but the accepted result has only 5 steps per side: not called real.
    assert left["since_previous_beyond_sdd"] is False
    page = client.get(reverse("assessments:trend", args=[patient.pk])).content.decode()
    assert "low confidence, accepted" in page


def test_a_re_analysis_after_acceptance_needs_a_new_acceptance(clinician, mixed_trend):
    from assessments.services import reviews

    _, _, unsure, _ = mixed_trend
    reviews.assessment_accept(assessment=unsure, note="Checked the steps by hand.", accepted_by=clinician)
    assert unsure.counts
    unsure.analysed_at = timezone.now() + datetime.timedelta(seconds=5)
    assert not unsure.is_accepted and not unsure.counts


def test_a_not_measurable_result_cannot_be_accepted_or_marked_of_record(client, clinician, mixed_trend):
    from django.core.exceptions import ValidationError

    from assessments.services import reviews

    patient = mixed_trend[0]
    sideways = patient.assessments.get(cpd_left_mean_deg=-55.8)
    with pytest.raises(ValidationError):
        reviews.assessment_accept(assessment=sideways, note="It looks fine to me, honestly.", accepted_by=clinician)
    with pytest.raises(ValidationError):
        reviews.assessment_mark_of_record(assessment=sideways, marked_by=clinician)


def test_low_confidence_is_muted_with_its_reason_on_the_result_page(client, clinician, mixed_trend):
    unsure = mixed_trend[2]
    client.force_login(clinician)
    page = client.get(unsure.get_absolute_url()).content.decode()
    assert 'class="card summary-card state-low_confidence"' in page
    assert "Low confidence" in page and "Only 5 left and 5 right steps" in page
    assert 'id="accept-result"' in page


def test_one_point_per_visit_and_view_latest_measurable_by_default_or_the_clinicians_pick(
    api_as, client, clinician, athlete_a
):
    visit = visit_on(athlete_a[1], clinician, 3)
    picked = AssessmentFactory(visit=visit, cpd_left_mean_deg=7.0)
    AssessmentFactory(visit=visit, cpd_left_mean_deg=6.0, status="flagged", result=flagged(TOO_SHORT))
    latest = AssessmentFactory(visit=visit, cpd_left_mean_deg=5.0)
    AssessmentFactory(visit=visit, cpd_left_mean_deg=4.0, status="flagged", result=flagged(TOO_SHORT))
    AssessmentFactory(visit=visit, view="anterior", cpd_left_mean_deg=3.0)
    api = api_as(clinician)
    url = f"/api/v1/patients/{athlete_a[1].pk}/hip-drop-trend/"
    points = api.get(url).json()["points"]
    assert [(p["view"], p["cpd_left_mean_deg"]) for p in points] == [("posterior", 5.0), ("anterior", 3.0)]
    assert points[0]["assessment_id"] == latest.pk  # the latest measurable, not the later low-confidence one
    client.force_login(clinician)
    client.post(reverse("assessments:of-record", args=[picked.pk]))
    points = api.get(url).json()["points"]
    assert [(p["view"], p["cpd_left_mean_deg"]) for p in points] == [("posterior", 7.0), ("anterior", 3.0)]


def test_compare_shows_view_and_quality_warns_when_views_differ_and_names_same_day_uploads(
    client, clinician, athlete_a
):
    visit = visit_on(athlete_a[1], clinician, 3)
    back = AssessmentFactory(visit=visit)
    front = AssessmentFactory(visit=visit, view="anterior", status="flagged", result=flagged(TOO_SHORT))
    client.force_login(clinician)
    page = client.get(
        reverse("assessments:compare", args=[athlete_a[1].pk]) + f"?a={back.pk}&b={front.pk}"
    ).content.decode()
    assert 'id="views-differ"' in page
    assert "Measurable" in page and "Low confidence" in page
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", page)
    assert len(options) == 4 and len(set(options)) == 2  # two selects, the two same-day uploads told apart
    assert all("uploaded" in o and ("posterior" in o or "anterior" in o) for o in options)


def test_api_gives_athletes_numbers_only_from_counted_results_and_staff_the_state(api_as, clinician, athlete_a):
    patient = athlete_a[1]
    counted = AssessmentFactory(visit=visit_on(patient, clinician, 20), cpd_left_mean_deg=6.0)
    unsure = AssessmentFactory(
        visit=visit_on(patient, clinician, 2), cpd_left_mean_deg=3.0, status="flagged", result=flagged(TOO_SHORT)
    )
    rows = {r["id"]: r for r in api_as(athlete_a[0]).get("/api/v1/assessments/").json()["results"]}
    assert rows[counted.pk]["cpd_left_mean_deg"] == 6.0 and rows[counted.pk]["included"] is True
    assert rows[unsure.pk]["cpd_left_mean_deg"] is None and rows[unsure.pk]["included"] is False
    assert rows[unsure.pk]["quality_status"] == "low_confidence"
    staff = api_as(clinician).get(f"/api/v1/assessments/{unsure.pk}/").json()
    assert staff["cpd_left_mean_deg"] == 3.0 and staff["included"] is False
    assert staff["quality_reasons"] == [TOO_SHORT["message"]]
    trend = api_as(athlete_a[0]).get(f"/api/v1/patients/{patient.pk}/hip-drop-trend/").json()
    assert [p["assessment_id"] for p in trend["points"]] == [counted.pk]


def test_visit_report_html_and_pdf_say_when_a_change_is_real(client, clinician, athlete_a):
    patient = athlete_a[1]
    AssessmentFactory(visit=visit_on(patient, clinician, 40), cpd_left_mean_deg=9.0, cpd_right_mean_deg=8.0)
    now = AssessmentFactory(visit=visit_on(patient, clinician, 1), cpd_left_mean_deg=5.0, cpd_right_mean_deg=7.0)
    client.force_login(clinician)
    html = client.get(reverse("assessments:visit-report", args=[now.visit_id])).content.decode()
    assert "real only when it is larger than 2.8° and both recordings" in html
    assert "Your pelvis stayed steadier than on" in html and "left foot on the ground" in html
    assert "dip" not in html.lower()
    pdf = client.get(reverse("assessments:visit-report-pdf", args=[now.visit_id]))
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        text = " ".join((p.extract_text() or "") for p in doc.pages).replace("\n", " ")
    assert "at least 7 steps per side" in text and "steadier than on" in text
