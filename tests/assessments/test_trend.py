"""The hip-drop trend per patient: numbers per visit, change since first and previous, the SDD band,
program markers and literature context (never a pass/fail label), in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AssessmentFactory, VisitFactory

pytestmark = pytest.mark.django_db


def visit_on(patient, clinician, days_ago):
    return VisitFactory(
        patient=patient, clinician=clinician, visit_date=timezone.localdate() - datetime.timedelta(days=days_ago)
    )


@pytest.fixture
def three_visits(athlete_a, clinician):
    patient = athlete_a[1]
    for days_ago, left, right in [(60, 9.0, 5.0), (30, 7.5, 4.5), (2, 4.0, 4.0)]:
        AssessmentFactory(
            visit=visit_on(patient, clinician, days_ago),
            cpd_left_mean_deg=left,
            cpd_right_mean_deg=right,
            mean_cpd_deg=(left + right) / 2,
        )
    return patient


def test_trend_lists_cpd_per_visit_oldest_first_with_changes(api_as, clinician, three_visits):
    body = api_as(clinician).get(f"/api/v1/patients/{three_visits.pk}/hip-drop-trend/").json()
    assert [(p["cpd_left_mean_deg"], p["cpd_right_mean_deg"]) for p in body["points"]] == [
        (9.0, 5.0),
        (7.5, 4.5),
        (4.0, 4.0),
    ]
    assert body["smallest_detectable_difference_deg"] == 2.8
    assert body["change"]["cpd_left_mean_deg"] == {
        "since_first": -5.0,
        "since_previous": -3.5,
        "since_first_beyond_sdd": True,
        "since_previous_beyond_sdd": True,
    }
    assert body["change"]["cpd_right_mean_deg"]["since_first"] == -1.0
    assert body["change"]["cpd_right_mean_deg"]["since_first_beyond_sdd"] is False
    assert body["references"][0]["source"].startswith("Dingenen")


def test_trend_never_labels_a_value_pass_or_fail(api_as, clinician, three_visits, client):
    body = api_as(clinician).get(f"/api/v1/patients/{three_visits.pk}/hip-drop-trend/").content.decode().lower()
    client.force_login(clinician)
    page = client.get(reverse("assessments:trend", args=[three_visits.pk])).content.decode().lower()
    for text in (body, page):
        for word in ("pass", "fail", "abnormal", "normal range", "weak"):
            assert word not in text


def test_other_metrics_on_request_and_unknown_ones_are_a_400(api_as, clinician, three_visits):
    url = f"/api/v1/patients/{three_visits.pk}/hip-drop-trend/"
    body = api_as(clinician).get(url + "?metrics=cadence_spm,asymmetry_deg").json()
    assert body["metrics"] == ["cadence_spm", "asymmetry_deg"]
    assert body["points"][0]["cadence_spm"] == 168.0 and "cpd_left_mean_deg" not in body["points"][0]
    response = api_as(clinician).get(url + "?metrics=speed")
    assert response.status_code == 400
    assert "Unknown metric(s): speed" in response.json()["metrics"][0]


def test_unanalysed_assessments_are_not_points(api_as, clinician, athlete_a, visit_a):
    AssessmentFactory(visit=visit_a, status="processing", analysed_at=None, cpd_left_mean_deg=None)
    body = api_as(clinician).get(f"/api/v1/patients/{athlete_a[1].pk}/hip-drop-trend/").json()
    assert body["points"] == []
    assert body["change"]["cpd_left_mean_deg"]["since_first"] is None


def test_athlete_reads_their_own_trend(api_as, athlete_a, three_visits):
    body = api_as(athlete_a[0]).get(f"/api/v1/patients/{three_visits.pk}/hip-drop-trend/").json()
    assert len(body["points"]) == 3


def test_trend_of_100_assessments_takes_at_most_5_queries(api_as, clinician, athlete_a, django_assert_max_num_queries):
    patient = athlete_a[1]
    visits = [visit_on(patient, clinician, days) for days in range(100, 0, -1)]
    for visit in visits:
        AssessmentFactory(visit=visit)
    api = api_as(clinician)
    url = f"/api/v1/patients/{patient.pk}/hip-drop-trend/"
    api.get(url)  # the user's permissions are loaded once per request user, as on any endpoint
    with django_assert_max_num_queries(5):
        response = api.get(url)
    assert len(response.json()["points"]) == 100


def test_program_starts_and_changes_are_markers(api_as, clinician, three_visits, client):
    from programs import services as program_services
    from programs.models import Exercise, Phase, Program, ProgramExercise

    program = Program.objects.create(name="Hip strength")
    phase = Phase.objects.create(program=program, name="Phase 1")
    ProgramExercise.objects.create(phase=phase, exercise=Exercise.objects.first(), sets=3, reps=10)
    start = timezone.localdate() - datetime.timedelta(days=45)
    program_services.prescription_create(
        patient=three_visits, program=program, prescribed_by=clinician, starts_on=start
    )
    program_services.prescription_create(
        patient=three_visits, program=program, prescribed_by=clinician, starts_on=start + datetime.timedelta(days=20)
    )
    body = api_as(clinician).get(f"/api/v1/patients/{three_visits.pk}/hip-drop-trend/").json()
    assert [(m["date"], m["kind"]) for m in body["program_markers"]] == [
        (start.isoformat(), "started"),
        ((start + datetime.timedelta(days=20)).isoformat(), "changed"),
    ]
    client.force_login(clinician)
    page = client.get(reverse("assessments:trend", args=[three_visits.pk])).content.decode()
    assert page.count('class="program-marker"') == 2


def test_trend_page_shows_chart_band_table_and_changes(client, clinician, three_visits):
    client.force_login(clinician)
    page = client.get(reverse("assessments:trend", args=[three_visits.pk])).content.decode()
    assert page.count("point point-left point-posterior point-counted") == 3
    assert page.count("point point-right point-posterior point-counted") == 3
    assert 'class="sdd-band sdd-left"' in page and "± 2.8°" in page
    assert "9.0°" in page and "4.0°" in page
    assert "-5.0°" in page and "beyond measurement noise" in page and "within measurement noise" in page
    assert "Dingenen" in page and "no validated cut-off" in page


def test_benchmark_command_reports_trend_queries_and_latency(db):
    import json
    from io import StringIO

    from django.core.management import call_command

    from assessments.models import Assessment

    out = StringIO()
    call_command("bench_assessments", "--skip-upload", "--requests", "3", stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["trend_points"] == 100 and report["trend_queries"] <= 5
    assert report["trend_median_ms"] > 0
    assert not Assessment.objects.exists()  # the benchmark leaves nothing behind
