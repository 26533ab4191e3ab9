"""The schedule and the appointments list make a fixed number of queries whatever the number
of appointments, athletes and clinicians on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.roles import Role
from scheduling.models import Room
from tests.factories import PatientFactory, UserFactory
from tests.query_counts import MANY, assert_fixed_queries
from tests.scheduling.conftest import give_working_week, monday_at, next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_appointments(book):
    """``add(n)``: n more appointments next Monday, each with its own athlete, clinician and room."""
    made: list[int] = []

    def add(n):
        for _ in range(n):
            clinician = UserFactory(role=Role.CLINICIAN, first_name="Lee")
            give_working_week(clinician)
            room = Room.objects.create(name=f"Room {len(made)}")
            hour, half = divmod(len(made), 2)
            appointment = book(PatientFactory(last_name="Booked"), clinician, monday_at(8 + hour, 30 * half), room=room)
            made.append(appointment.pk)

    return add


def test_schedule_day_queries_do_not_grow_with_appointments(client, front_desk, add_appointments):
    client.force_login(front_desk)
    url = reverse("scheduling:calendar") + f"?date={next_monday().isoformat()}"
    response = assert_fixed_queries(client, url, add=add_appointments, budget=14)
    assert response.content.decode().count(" Booked</span>") == MANY


def test_schedule_week_queries_do_not_grow_with_appointments(client, front_desk, add_appointments):
    client.force_login(front_desk)
    url = reverse("scheduling:calendar") + f"?view=week&date={(next_monday() + timedelta(days=2)).isoformat()}"
    response = assert_fixed_queries(client, url, add=add_appointments, budget=14)
    assert response.content.decode().count(" Booked</span>") == MANY


def test_api_appointment_list_queries_do_not_grow_with_appointments(api, front_desk, add_appointments):
    api.force_login(front_desk)
    response = assert_fixed_queries(api, reverse("api:appointment-list"), add=add_appointments, budget=13)
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert all(row["clinician_name"].startswith("Lee ") and row["room_name"].startswith("Room") for row in rows)


def test_booking_form_for_a_chosen_patient_does_not_grow_with_the_clinics_patients(
    client, front_desk, working_clinician, follow_up, athlete_a
):
    client.force_login(front_desk)
    monday = next_monday().isoformat()
    url = (
        f"{reverse('scheduling:book')}?patient={athlete_a[1].pk}&clinician={working_clinician.pk}"
        f"&appointment_type={follow_up.pk}&date={monday}&time=09:00"
    )
    add = lambda n: PatientFactory.create_batch(n, last_name="Elsewhere")  # noqa: E731
    html = assert_fixed_queries(client, url, add=add, budget=16).content.decode()
    # The chosen athlete is the one choice, not one <option> per patient of the clinic.
    assert f'<option value="{athlete_a[1].pk}" selected>Ada Alpha</option>' in html
    assert "Elsewhere" not in html


def test_booking_form_without_a_patient_still_offers_every_active_patient(client, front_desk, athlete_a, athlete_b):
    client.force_login(front_desk)
    html = client.get(reverse("scheduling:book")).content.decode()
    assert "Ada Alpha" in html and "Bea Beta" in html
