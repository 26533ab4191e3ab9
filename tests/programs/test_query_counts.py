"""The athlete portal and the clinic's alerts make a fixed number of queries whatever the
number of logged sessions, programme versions or patients."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs import services
from tests.factories import AssessmentFactory, VisitFactory, athlete_with_patient
from tests.programs.conftest import log, prescribe
from tests.query_counts import MANY, assert_fixed_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_sessions(athlete_a, visit_a, clinician, hip_template):
    """``add(n)``: n more sessions of athlete A, one a day back from today (one session per
    programme per day), every exercise logged, on a programme begun 40 days ago."""
    patient = athlete_a[1]
    prescribe(patient, clinician, hip_template, visit_a, starts_days_ago=40)
    days = iter(range(40))

    def add(n):
        for _ in range(n):
            log(patient.prescriptions.get(status="active"), days_ago=next(days), pain=2, morning=1)

    return add


def test_portal_today_queries_do_not_grow_with_sessions_and_assessments(client, athlete_a, clinician, add_sessions):
    def add(n):
        add_sessions(n)
        for _ in range(n):
            AssessmentFactory(visit=VisitFactory(patient=athlete_a[1], clinician=clinician), mean_cpd_deg=4.0)

    client.force_login(athlete_a[0])
    response = assert_fixed_queries(client, reverse("portal:today"), add=add, budget=22)
    assert response.content.decode().count("your pelvis stayed within 4.0° of level") == MANY


def test_portal_history_queries_do_not_grow_with_sessions_and_versions(client, athlete_a, prescription_a):
    def add(n):
        # Each version gets today's session (one per programme version and day), then is revised.
        for _ in range(n):
            current = prescription_a.patient.prescriptions.get(status="active")
            log(current, pain=2, morning=1)
            item = current.items.first()
            services.prescription_revise(
                prescription=current, revised_by=current.prescribed_by, dosages={item.pk: {"sets": 3}}, reason="More"
            )

    client.force_login(athlete_a[0])
    response = assert_fixed_queries(client, reverse("portal:history"), add=add, budget=19)
    html = response.content.decode()
    assert html.count("next morning 1/10") == MANY
    assert html.count("Side-lying hip abduction:") == MANY


def test_alerts_queries_do_not_grow_with_patients(client, clinician, hip_template):
    def add(n):
        for _ in range(n):
            _, patient = athlete_with_patient(last_name="Sore")
            prescription = prescribe(patient, clinician, hip_template, starts_days_ago=10)
            log(prescription, days_ago=3, pain=8)

    client.force_login(clinician)
    response = assert_fixed_queries(client, reverse("programs:alerts"), add=add, budget=15)
    assert response.content.decode().count('data-kind="pain_high"') == MANY
