"""The clinician's pages: results, interpretation, re-analysis, compare and the printable visit report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from tests.factories import AssessmentFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def test_results_page_shows_summary_flags_chart_stances_and_videos(signed_in, analysed_a):
    page = signed_in.get(analysed_a.get_absolute_url()).content.decode()
    assert 'id="summary"' in page and "CPD left (mean, 95% CI)" in page
    assert f"n={analysed_a.n_left}" in page
    for flag in analysed_a.flags:
        assert flag["message"].split(".")[0].replace("'", "&#x27;") in page
    points = sum(1 for v in analysed_a.result["frames"]["pelvic_obliquity_deg"] if v is not None)
    assert f'data-points="{points}"' in page  # the obliquity chart, drawn server-side
    assert page.count('class="stance stance-') == len(analysed_a.result["stances"])
    stances = page.split('id="stances"')[1].split("</table>")[0]
    assert '<th class="num">CPD at midstance</th>' in stances  # the engine's label
    first = analysed_a.result["stances"][0]["cpd_midstance_deg"]
    assert f"{first:.1f}°" in stances
    assert reverse("assessments:video", args=[analysed_a.pk]) in page
    assert page.count('class="keyframe keyframe-') == len(analysed_a.keyframes)
    if analysed_a.preview:
        assert reverse("assessments:preview", args=[analysed_a.pk]) in page


def test_results_page_polls_while_processing(signed_in, uploaded):
    page = signed_in.get(uploaded.get_absolute_url()).content.decode()
    assert 'id="analysis-progress"' in page
    assert f'data-status-url="/api/v1/assessments/{uploaded.pk}/status/"' in page
    assert 'data-status="queued"' in page and "status.js" in page


def test_results_page_shows_the_failure_reason(signed_in, uploaded):
    Assessment.objects.filter(pk=uploaded.pk).update(
        status=AssessmentStatus.FAILED, failure_reason="The file is empty."
    )
    page = signed_in.get(uploaded.get_absolute_url()).content.decode()
    assert 'id="failure-reason"' in page and "The file is empty." in page


def test_keyframe_images_are_served_as_png_and_shown_per_side(signed_in, visit_a):
    import cv2
    import numpy as np
    from django.core.files.base import ContentFile

    from assessments.models import private_storage

    _ok, png = cv2.imencode(".png", np.zeros((20, 10, 3), dtype=np.uint8))
    name = private_storage().save("assessments/test/keyframes/left_median.png", ContentFile(png.tobytes()))
    frames = [{"side": "left", "kind": "median", "frame": 42, "cpd_midstance_deg": 5.3, "name": name}]
    assessment = AssessmentFactory(visit=visit_a, keyframes=frames)
    response = signed_in.get(reverse("assessments:keyframe", args=[assessment.pk, 0]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png.tobytes()
    page = signed_in.get(assessment.get_absolute_url()).content.decode()
    assert (
        'class="keyframe keyframe-left"' in page
        and 'Left stance · median CPD · <span class="value">5.3°</span> · frame 42' in page
    )
    assert signed_in.get(reverse("assessments:keyframe", args=[assessment.pk, 1])).status_code == 404


def test_clinician_saves_an_interpretation_note(signed_in, analysed_a):
    response = signed_in.post(
        reverse("assessments:interpretation", args=[analysed_a.pk]), {"interpretation": "  Left drop easing.  "}
    )
    assert response.status_code == 302
    analysed_a.refresh_from_db()
    assert analysed_a.interpretation == "Left drop easing."
    assert "Left drop easing." in signed_in.get(analysed_a.get_absolute_url()).content.decode()


def test_interpretation_is_saved_after_the_uploaders_account_is_gone(signed_in, visit_a):
    # created_by is SET_NULL when the uploader's account is deleted; the note must still save.
    assessment = AssessmentFactory(visit=visit_a, created_by=None)
    url = reverse("assessments:interpretation", args=[assessment.pk])
    assert signed_in.post(url, {"interpretation": "Steadier pelvis."}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.interpretation == "Steadier pelvis."


def test_reanalyse_button_queues_and_keeps_the_result_visible(
    signed_in, analysed_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        signed_in.post(reverse("assessments:reanalyse", args=[analysed_a.pk]))
    assert len(callbacks) == 1
    analysed_a.refresh_from_db()
    assert analysed_a.status == AssessmentStatus.QUEUED
    page = signed_in.get(analysed_a.get_absolute_url()).content.decode()
    assert "the result below is the previous one" in page and 'id="summary"' in page


def test_visit_page_lists_the_visits_assessments(signed_in, analysed_a):
    page = signed_in.get(analysed_a.visit.get_absolute_url()).content.decode()
    assert analysed_a.get_absolute_url() in page
    assert reverse("assessments:trend", args=[analysed_a.patient_id]) in page


def test_compare_puts_two_assessments_side_by_side_with_differences(signed_in, athlete_a, clinician):
    early = AssessmentFactory(visit=VisitFactory(patient=athlete_a[1], clinician=clinician), cpd_left_mean_deg=8.0)
    late = AssessmentFactory(visit=VisitFactory(patient=athlete_a[1], clinician=clinician), cpd_left_mean_deg=5.5)
    url = reverse("assessments:compare", args=[athlete_a[1].pk]) + f"?a={early.pk}&b={late.pk}"
    page = signed_in.get(url).content.decode()
    assert 'id="compare-table"' in page
    assert "8.0°" in page and "5.5°" in page and "-2.5" in page


def test_compare_ignores_another_patients_assessment(signed_in, athlete_a, visit_b):
    other = AssessmentFactory(visit=visit_b, cpd_left_mean_deg=11.1)
    page = signed_in.get(reverse("assessments:compare", args=[athlete_a[1].pk]) + f"?a={other.pk}").content.decode()
    assert "11.1" not in page


def test_visit_report_is_printable_plain_and_positive(signed_in, analysed_a):
    Assessment.objects.filter(pk=analysed_a.pk).update(interpretation="Great progress on the left.")
    page = signed_in.get(reverse("assessments:visit-report", args=[analysed_a.visit_id])).content.decode()
    assert "Running assessment: Ada Alpha" in page
    assert "builds the control" in page and "Great progress on the left." in page
    assert "assessments.css" in page  # print rules
    lowered = page.lower()
    for word in ("weak", "dead butt", "fail", "abnormal"):
        assert word not in lowered


def test_visit_report_pdf_carries_the_numbers_keyframes_and_plan_in_plain_words(signed_in, analysed_a):
    import io

    from pypdf import PdfReader

    Assessment.objects.filter(pk=analysed_a.pk).update(interpretation="Great progress on the left.")
    response = signed_in.get(reverse("assessments:visit-report-pdf", args=[analysed_a.visit_id]))
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="running-assessment-visit-{analysed_a.visit_id}.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Running assessment: Ada Alpha" in text
    assert f"{analysed_a.cpd_left_mean_deg:.1f}°" in text
    assert "Great progress on the left." in text
    assert "builds the control" in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == min(len(analysed_a.keyframes or []), 4)
    for word in ("weak", "dead butt", "fail", "abnormal"):
        assert word not in text.lower()
    assert AuditEvent.objects.filter(
        action="export", summary="visit report PDF", patient_id=analysed_a.patient_id
    ).exists()


def test_visit_report_lists_the_prescribed_exercises(signed_in, analysed_a, clinician):
    from programs import services as program_services
    from programs.models import Exercise, Phase, Program, ProgramExercise

    program = Program.objects.create(name="Hip strength")
    phase = Phase.objects.create(program=program, name="Phase 1")
    exercise = Exercise.objects.first()
    ProgramExercise.objects.create(phase=phase, exercise=exercise, sets=3, reps=12, days_per_week=3)
    program_services.prescription_create(patient=analysed_a.patient, program=program, prescribed_by=clinician)
    page = signed_in.get(reverse("assessments:visit-report", args=[analysed_a.visit_id])).content.decode()
    assert f"<strong>{exercise.name}</strong>: 3 x 12 reps" in page


def test_athlete_reads_own_summary_on_the_visit_page_without_video_links(client, athlete_a, visit_a):
    assessment = AssessmentFactory(visit=visit_a, cpd_left_mean_deg=6.3, cpd_right_mean_deg=3.9)
    AssessmentFactory(visit=visit_a, status=AssessmentStatus.PROCESSING, analysed_at=None, cpd_left_mean_deg=None)
    client.force_login(athlete_a[0])
    page = client.get(visit_a.get_absolute_url()).content.decode()
    assert "Your running assessment" in page and "6.3°" in page and "3.9°" in page
    assert page.count("<tr><td>From behind") == 1  # the one still processing is not shown
    assert assessment.get_absolute_url() not in page and "/video/" not in page and 'name="video"' not in page
    assert "weak" not in page.lower()
