"""Patient pages and API lists make a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from patients.models import Intake
from tests.factories import AssessmentFactory, ComplaintFactory, PatientFactory, UserFactory, VisitFactory
from tests.query_counts import MANY, assert_fixed_queries

pytestmark = pytest.mark.django_db


def test_patient_list_queries_do_not_grow_with_patients(client, clinician):
    def add(n):
        for patient in PatientFactory.create_batch(n, last_name="Runner"):
            VisitFactory(patient=patient, clinician=clinician)

    client.force_login(clinician)
    response = assert_fixed_queries(client, reverse("patients:list"), add=add, budget=13)
    assert response.content.decode().count("Runner, ") == MANY


def test_patient_search_queries_do_not_grow_with_matches(client, clinician):
    client.force_login(clinician)
    add = lambda n: PatientFactory.create_batch(n, last_name="Quill")  # noqa: E731
    response = assert_fixed_queries(client, reverse("patients:list") + "?q=quil", add=add, budget=13)
    assert response.content.decode().count("Quill, ") == MANY


def test_patient_detail_queries_do_not_grow_with_visits_and_complaints(client, clinician, athlete_a):
    patient = athlete_a[1]

    def add(n):
        for _ in range(n):
            # Each visit led by another clinician: their names must not cost a query each.
            VisitFactory(patient=patient, clinician=UserFactory(role=Role.CLINICIAN), plan="Side planks")
            ComplaintFactory(patient=patient)

    client.force_login(clinician)
    response = assert_fixed_queries(client, reverse("patients:detail", args=[patient.pk]), add=add, budget=17)
    assert response.content.decode().count("Side planks") == MANY


def test_visit_detail_queries_do_not_grow_with_assessments(client, clinician, visit_a):
    client.force_login(clinician)
    add = lambda n: AssessmentFactory.create_batch(n, visit=visit_a, original_filename="treadmill.mp4")  # noqa: E731
    response = assert_fixed_queries(client, visit_a.get_absolute_url(), add=add, budget=14)
    assert response.content.decode().count("treadmill.mp4") == MANY


def test_api_patient_list_queries_do_not_grow_with_patients(api, clinician):
    def add(n):
        for patient in PatientFactory.create_batch(n):
            ComplaintFactory.create_batch(2, patient=patient)
            Intake.objects.create(patient=patient, inner_leg_scuffs=True)

    api.force_login(clinician)
    response = assert_fixed_queries(api, reverse("api:patient-list"), add=add, budget=14)
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert all(len(row["complaints"]) == 2 and row["intake"]["inner_leg_scuffs"] for row in rows)


def test_api_visit_list_queries_do_not_grow_with_visits(api, clinician, athlete_a):
    def add(n):
        for _ in range(n):
            VisitFactory(patient=PatientFactory(), clinician=UserFactory(role=Role.CLINICIAN, first_name="Lee"))

    api.force_login(clinician)
    response = assert_fixed_queries(api, reverse("api:visit-list"), add=add, budget=13)
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert all(row["clinician_name"].startswith("Lee ") for row in rows)
