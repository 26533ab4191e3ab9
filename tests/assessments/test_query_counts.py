"""Assessment pages, the trend and the API list make a fixed number of queries whatever the
number of assessments or programme changes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AssessmentFactory, VisitFactory
from tests.programs.conftest import ensure_exercise_library, prescribe
from tests.query_counts import MANY, assert_fixed_queries

pytestmark = pytest.mark.django_db
FLAGGED = {"quality": {"ok": False, "flags": [{"code": "too_short", "message": "Record at least 10 seconds."}]}}


@pytest.fixture
def add_assessments(athlete_a, clinician):
    """``add(n)``: n more visits of athlete A, a week apart, each with an analysed assessment."""
    patient = athlete_a[1]

    def add(n):
        start = patient.visits.count()
        for k in range(start, start + n):
            day = timezone.localdate() - datetime.timedelta(weeks=60 - k)
            AssessmentFactory(visit=VisitFactory(patient=patient, clinician=clinician, visit_date=day), result=FLAGGED)

    return add


def test_result_page_queries_do_not_grow_with_the_patients_other_assessments(client, clinician):
    client.force_login(clinician)
    first = AssessmentFactory(visit=VisitFactory(clinician=clinician))

    others: list[int] = []

    def add(n):
        for _ in range(n):
            others.append(AssessmentFactory(visit=VisitFactory(patient=first.patient, clinician=clinician)).pk)

    response = assert_fixed_queries(client, first.get_absolute_url(), add=add, budget=14)
    html = response.content.decode()
    assert 'id="cpd-left"' in html
    assert f"?a={others[0]}&b={first.pk}" in html  # compare with the earliest other assessment


def test_trend_page_queries_do_not_grow_with_assessments_and_programme_changes(
    client, clinician, athlete_a, add_assessments
):
    ensure_exercise_library()
    from programs.models import Program

    template = Program.objects.get(is_template=True, name="Hip drop, 8 weeks, three phases")

    def add(n):
        add_assessments(n)
        for _ in range(n):
            prescribe(athlete_a[1], clinician, template)  # each supersedes the last: a marker each

    client.force_login(clinician)
    response = assert_fixed_queries(client, reverse("assessments:trend", args=[athlete_a[1].pk]), add=add, budget=15)
    assert response.content.decode().count("point point-left point-posterior") == MANY


def test_trend_api_queries_do_not_grow_with_assessments(api, clinician, athlete_a, add_assessments):
    api.force_login(clinician)
    url = reverse("api:patient-hip-drop-trend", args=[athlete_a[1].pk])
    response = assert_fixed_queries(api, url, add=add_assessments, budget=14)
    assert len(response.json()["points"]) == MANY


def test_api_assessment_list_queries_do_not_grow_with_assessments(api, clinician, add_assessments):
    api.force_login(clinician)
    response = assert_fixed_queries(api, reverse("api:assessment-list"), add=add_assessments, budget=13)
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert all(row["visit_date"] and row["urls"]["page"] for row in rows)
    # The list leaves the result JSON out but still shows its quality flags.
    assert all(row["flags"] == FLAGGED["quality"]["flags"] for row in rows)
