"""FHIR searches and Patient/$everything make a fixed number of queries whatever the number of
visits, assessments, programmes and appointments."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import AssessmentFactory, VisitFactory
from tests.fhir.conftest import FhirClient
from tests.query_counts import assert_fixed_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_assessments(athlete_a, clinician):
    """``add(n)``: n more visits of athlete A, each with an analysed assessment with two keyframes."""
    patient = athlete_a[1]

    def add(n):
        start = patient.visits.count()
        for k in range(start, start + n):
            visit = VisitFactory(
                patient=patient, clinician=clinician, visit_date=timezone.localdate() - datetime.timedelta(weeks=60 - k)
            )
            frames = [
                {"side": side, "kind": "midstance", "frame": 10, "name": f"kf-{side}.png"} for side in ("left", "right")
            ]
            AssessmentFactory(visit=visit, keyframes=frames)

    return add


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("Observation", 7),  # token, user, permissions, count, page ids, rows, audit
        ("Observation?code=cpd-left&_count=5", 7),
        ("Encounter", 6),
        ("Media", 5),
        ("DocumentReference", 6),
    ],
)
def test_searches_make_a_fixed_number_of_queries(clinician, athlete_a, add_assessments, path, budget):
    client = FhirClient(clinician).api
    assert_fixed_queries(client, f"/fhir/r4/{path}", add=add_assessments, budget=budget)


def test_everything_makes_a_fixed_number_of_queries(clinician, athlete_a, add_assessments):
    client = FhirClient(clinician).api
    assert_fixed_queries(client, f"/fhir/r4/Patient/{athlete_a[1].pk}/$everything", add=add_assessments, budget=12)
