"""The clinician's "Today" page: each role's landing, what the page lists (own appointments, new
results with their quality state, pain alerts, quiet athletes), scoping, and a fixed query count."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentType
from tests.factories import AssessmentFactory, PatientFactory, UserFactory, VisitFactory
from tests.programs.conftest import TEMPLATE_NAME, ensure_exercise_library, log, prescribe
from tests.query_counts import MANY, assert_fixed_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def hip_template():
    from programs.models import Program

    ensure_exercise_library()
    return Program.objects.get(name=TEMPLATE_NAME, is_template=True)


def appointment_today(patient, clinician, hour: int = 23) -> Appointment:
    """Booked earlier for today (the booking service refuses a past time, so it is stored as booked)."""
    follow_up = AppointmentType.objects.get_or_create(name="Follow-up", defaults={"default_duration_min": 30})[0]
    starts = at_local(timezone.localdate(), time(hour, 0))
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        appointment_type=follow_up,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
    )


@pytest.mark.parametrize(
    ("role", "landing"),
    [("clinician", "/today/"), ("admin_user", "/today/"), ("front_desk", "/schedule/"), ("athlete", "/portal/")],
)
def test_each_role_lands_on_its_own_start_page(role, landing, client, request, athlete_a):
    user = athlete_a[0] if role == "athlete" else request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(landing)


def test_front_desk_and_athlete_cannot_open_today(client, front_desk, athlete_a):
    for user in (front_desk, athlete_a[0]):
        client.force_login(user)
        assert client.get(reverse("today")).status_code == 403


def test_today_lists_own_appointments_and_new_results_with_their_quality(client, clinician, athlete_a, athlete_b):
    other = UserFactory(role=Role.CLINICIAN, username="other", first_name="Lee", last_name="Park")
    appointment_today(athlete_a[1], clinician, hour=23)
    appointment_today(athlete_b[1], other, hour=22)
    mine = VisitFactory(patient=athlete_a[1], clinician=clinician)
    AssessmentFactory(visit=mine, view="posterior", result={"quality": {"flags": [{"code": "few_stances"}]}})
    AssessmentFactory(visit=mine, view="lateral", interpretation="Read already: fine.")
    AssessmentFactory(visit=VisitFactory(patient=athlete_b[1], clinician=other))
    AssessmentFactory(visit=mine, view="anterior", analysed_at=timezone.now() - timedelta(days=30))
    client.force_login(clinician)

    html = client.get(reverse("today")).content.decode()

    appointments = html.split('id="today-appointments"')[1].split("</section>")[0]
    assert "Ada Alpha" in appointments and "23:00" in appointments
    assert "Bea Beta" not in appointments  # another clinician's calendar
    results = html.split('id="today-results"')[1].split("</section>")[0]
    assert "New results to review (1)" in results
    assert "Ada Alpha, from behind (posterior)" in results and "Low confidence" in results
    assert "Bea Beta" not in results


def test_today_lists_pain_alerts_and_athletes_quiet_for_the_reminder_days(
    client, settings, clinician, athlete_a, athlete_b, visit_a, visit_b, hip_template
):
    settings.PROGRAM_REMINDER_AFTER_DAYS = 4
    sore = prescribe(athlete_a[1], clinician, hip_template, visit_a)
    log(sore, days_ago=1, pain=7)
    prescribe(athlete_b[1], clinician, hip_template, visit_b, starts_days_ago=5)  # nothing logged since
    client.force_login(clinician)

    html = client.get(reverse("today")).content.decode()

    alerts = html.split('id="today-alerts"')[1].split("</section>")[0]
    assert "Ada Alpha" in alerts and "Pain 7/10" in alerts
    quiet = html.split('id="today-quiet"')[1].split("</section>")[0]
    assert "Quiet for 4 days or more (1)" in quiet
    assert "Bea Beta</a>: nothing logged for 5 days" in quiet and "Ada Alpha" not in quiet


def test_athletes_of_another_clinicians_programme_are_not_on_my_today(
    client, clinician, athlete_b, visit_b, hip_template
):
    other = UserFactory(role=Role.CLINICIAN, username="other")
    log(prescribe(athlete_b[1], other, hip_template, visit_b), days_ago=1, pain=8)
    client.force_login(clinician)
    html = client.get(reverse("today")).content.decode()
    assert "Bea Beta" not in html


def test_today_queries_do_not_grow_with_appointments_results_and_athletes(client, clinician, hip_template):
    def add(n):
        for _ in range(n):
            patient = PatientFactory(last_name="Listed")
            visit = VisitFactory(patient=patient, clinician=clinician)
            appointment_today(patient, clinician, hour=Appointment.objects.count() % 24)
            AssessmentFactory(visit=visit)
            AssessmentFactory(visit=None, patient=patient, source="self_check")  # sent from the portal
            log(prescribe(patient, clinician, hip_template, visit, starts_days_ago=20), days_ago=10, pain=8)

    client.force_login(clinician)
    response = assert_fixed_queries(client, reverse("today"), add=add, budget=18)
    html = response.content.decode()
    assert f"New results to review ({MANY})" in html
    assert f"Self-checks from athletes to review ({MANY})" in html
    assert "Quiet for" in html and html.count("Listed</a>: nothing logged") == MANY
