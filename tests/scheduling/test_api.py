"""Appointments over REST: the role matrix on every endpoint, filters, 409 on clashes, 400 on bad input."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from scheduling.models import Appointment, AppointmentStatus
from tests.factories import PatientFactory
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = pytest.mark.django_db

LIST = "/api/v1/appointments/"


@pytest.fixture
def calendar(book, working_clinician, other_clinician, athlete_a, athlete_b):
    """Ada with Dana (the 'clin' clinician), Bea with Lee (another clinician, no link to clin)."""
    return {
        "ada": book(athlete_a[1], working_clinician, monday_at(10)),
        "bea": book(athlete_b[1], other_clinician, monday_at(10)),
    }


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def _book_body(patient, clinician, follow_up, starts_at) -> dict:
    return {
        "patient": patient.pk,
        "clinician": clinician.pk,
        "appointment_type": follow_up.pk,
        "starts_at": starts_at.isoformat(),
    }


# Role matrix -----------------------------------------------------------------------------


def test_anonymous_gets_401_on_every_scheduling_endpoint(api, calendar):
    pk = calendar["ada"].pk
    for method, url in (
        ("get", LIST),
        ("post", LIST),
        ("get", f"{LIST}{pk}/"),
        ("post", f"{LIST}{pk}/move/"),
        ("post", f"{LIST}{pk}/cancel/"),
        ("post", f"{LIST}{pk}/no-show/"),
        ("post", f"{LIST}{pk}/complete/"),
        ("get", "/api/v1/appointment-slots/"),
        ("get", "/api/v1/appointment-types/"),
    ):
        assert getattr(api, method)(url).status_code == 401, url


def test_front_desk_sees_every_appointment(api_as, front_desk, calendar):
    assert _ids(api_as(front_desk).get(LIST)) == sorted(a.pk for a in calendar.values())


def test_clinician_sees_own_and_own_patients_appointments_only(api_as, working_clinician, calendar, visit_b):
    client = api_as(working_clinician)
    assert _ids(client.get(LIST)) == [calendar["ada"].pk, calendar["bea"].pk]  # visit_b: Bea is clin's patient too
    visit_b.delete()
    assert _ids(client.get(LIST)) == [calendar["ada"].pk]
    assert client.get(f"{LIST}{calendar['bea'].pk}/").status_code == 404


def test_athlete_reads_only_their_own_appointments(api_as, athlete_a, calendar):
    client = api_as(athlete_a[0])
    assert _ids(client.get(LIST)) == [calendar["ada"].pk]
    body = client.get(f"{LIST}{calendar['ada'].pk}/").json()
    assert body["clinician_name"] == "Dana Okafor"
    assert body["appointment_type_name"] == "Follow-up"
    assert client.get(f"{LIST}{calendar['bea'].pk}/").status_code == 404
    assert _ids(client.get(f"{LIST}?patient={calendar['bea'].patient_id}")) == []


def test_athlete_cannot_book_move_cancel_or_search_slots(api_as, athlete_a, follow_up, working_clinician, calendar):
    client = api_as(athlete_a[0])
    pk = calendar["ada"].pk
    body = _book_body(athlete_a[1], working_clinician, follow_up, monday_at(14))
    assert client.post(LIST, body, format="json").status_code == 403
    assert client.post(f"{LIST}{pk}/move/", {"starts_at": monday_at(14).isoformat()}, format="json").status_code == 403
    assert client.post(f"{LIST}{pk}/cancel/", {"reason": "busy"}, format="json").status_code == 403
    assert client.post(f"{LIST}{pk}/no-show/").status_code == 403
    assert (
        client.get(f"/api/v1/appointment-slots/?appointment_type={follow_up.pk}&date_from={next_monday()}").status_code
        == 403
    )
    assert Appointment.objects.get(pk=pk).status == AppointmentStatus.BOOKED
    assert Appointment.objects.count() == 2


def test_clinician_cannot_change_an_appointment_outside_their_patients(api_as, working_clinician, calendar):
    response = api_as(working_clinician).post(f"{LIST}{calendar['bea'].pk}/cancel/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert Appointment.objects.get(pk=calendar["bea"].pk).status == AppointmentStatus.BOOKED


def test_clinician_books_a_follow_up_for_their_patient(api_as, working_clinician, follow_up, athlete_a):
    response = api_as(working_clinician).post(
        LIST, _book_body(athlete_a[1], working_clinician, follow_up, monday_at(15)), format="json"
    )
    assert response.status_code == 201, response.json()
    assert Appointment.objects.get(pk=response.json()["id"]).created_by == working_clinician


def test_everyone_with_a_role_reads_appointment_types(api_as, athlete_a, front_desk, clinician):
    for user in (athlete_a[0], front_desk, clinician):
        names = {
            row["name"]: row["default_duration_min"] for row in api_as(user).get("/api/v1/appointment-types/").json()
        }
        assert names["Video re-assessment"] == 45


# Booking, moving, cancelling -------------------------------------------------------------


def test_front_desk_books_and_the_booker_comes_from_the_request_not_the_body(
    api_as, front_desk, working_clinician, follow_up, athlete_a
):
    body = {**_book_body(athlete_a[1], working_clinician, follow_up, monday_at(9)), "created_by": working_clinician.pk}
    response = api_as(front_desk).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["patient_name"] == "Ada Alpha"
    assert data["ends_at"].startswith((monday_at(9, 30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert Appointment.objects.get(pk=data["id"]).created_by == front_desk


def test_booking_a_taken_slot_answers_409_naming_the_clash(api_as, front_desk, working_clinician, follow_up, calendar):
    other = PatientFactory(first_name="Cy", last_name="Gamma")
    response = api_as(front_desk).post(
        LIST, _book_body(other, working_clinician, follow_up, monday_at(10, 15)), format="json"
    )
    assert response.status_code == 409
    assert "Dana Okafor is already booked" in response.json()["detail"]
    assert "10:00-10:30" in response.json()["detail"]
    assert response.json()["clash"]["clinician"] == working_clinician.pk
    assert Appointment.objects.filter(patient=other).count() == 0


def test_booking_outside_hours_is_a_400_naming_starts_at(api_as, front_desk, working_clinician, follow_up, athlete_a):
    response = api_as(front_desk).post(
        LIST, _book_body(athlete_a[1], working_clinician, follow_up, monday_at(19)), format="json"
    )
    assert response.status_code == 400
    assert "Outside working hours" in response.json()["starts_at"][0]


def test_bad_input_is_a_400_naming_the_field(api_as, front_desk, working_clinician, follow_up, athlete_a):
    client = api_as(front_desk)
    body = _book_body(athlete_a[1], working_clinician, follow_up, monday_at(9))
    for field, value in (
        ("starts_at", "next tuesday"),
        ("patient", 999999),
        ("appointment_type", "x"),
        ("clinician", None),
    ):
        response = client.post(LIST, {**body, field: value}, format="json")
        assert response.status_code == 400, field
        assert field in response.json(), response.json()
    response = client.post(f"{LIST}?", {**body, "duration_min": 0}, format="json")
    assert "duration_min" in response.json()
    assert not Appointment.objects.exists()


def test_move_returns_the_new_appointment_linked_to_the_old(api_as, front_desk, calendar):
    old = calendar["ada"]
    response = api_as(front_desk).post(f"{LIST}{old.pk}/move/", {"starts_at": monday_at(15).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["rescheduled_from"] == old.pk
    old_body = api_as(front_desk).get(f"{LIST}{old.pk}/").json()
    assert old_body["status"] == "cancelled"
    assert old_body["rescheduled_to"] == response.json()["id"]


def test_moving_onto_another_booking_answers_409_and_keeps_the_original(
    api_as, front_desk, book, working_clinician, athlete_b, calendar
):
    book(athlete_b[1], working_clinician, monday_at(11))
    response = api_as(front_desk).post(
        f"{LIST}{calendar['ada'].pk}/move/", {"starts_at": monday_at(11).isoformat()}, format="json"
    )
    assert response.status_code == 409
    assert "Bea Beta" in response.json()["detail"]
    assert Appointment.objects.get(pk=calendar["ada"].pk).status == AppointmentStatus.BOOKED


def test_cancel_with_reason_then_the_slot_can_be_rebooked(api_as, front_desk, working_clinician, follow_up, calendar):
    client = api_as(front_desk)
    response = client.post(f"{LIST}{calendar['ada'].pk}/cancel/", {"reason": "Athlete is unwell"}, format="json")
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Athlete is unwell"
    assert client.post(f"{LIST}{calendar['ada'].pk}/cancel/", {}, format="json").json() == {
        "reason": ["This field is required."]
    }
    other = PatientFactory()
    assert (
        client.post(LIST, _book_body(other, working_clinician, follow_up, monday_at(10)), format="json").status_code
        == 201
    )


def test_no_show_is_refused_before_the_appointment_starts(api_as, front_desk, calendar):
    response = api_as(front_desk).post(f"{LIST}{calendar['ada'].pk}/no-show/")
    assert response.status_code == 400
    assert "not started" in response.json()["status"][0]
    Appointment.objects.filter(pk=calendar["ada"].pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() - timedelta(minutes=30)
    )
    assert api_as(front_desk).post(f"{LIST}{calendar['ada'].pk}/no-show/").json()["status"] == "no_show"


# Filters and slots -----------------------------------------------------------------------


def test_filters_by_clinician_patient_status_and_dates(
    api_as, front_desk, book, working_clinician, athlete_a, calendar
):
    later = book(athlete_a[1], working_clinician, monday_at(10, weeks_ahead=2))
    client = api_as(front_desk)
    assert _ids(client.get(f"{LIST}?clinician={working_clinician.pk}")) == [calendar["ada"].pk, later.pk]
    assert _ids(client.get(f"{LIST}?patient={athlete_a[1].pk}&date_from={next_monday(2)}")) == [later.pk]
    assert _ids(client.get(f"{LIST}?date_to={next_monday()}")) == sorted([calendar["ada"].pk, calendar["bea"].pk])
    assert _ids(client.get(f"{LIST}?status=cancelled")) == []
    assert client.get(f"{LIST}?date_from=someday").status_code == 400


def test_free_slots_endpoint_lists_bookable_starts(api_as, front_desk, working_clinician, follow_up, calendar):
    response = api_as(front_desk).get(
        f"/api/v1/appointment-slots/?appointment_type={follow_up.pk}&clinician={working_clinician.pk}&date_from={next_monday()}"
    )
    starts = [row["starts_at"] for row in response.json()["results"]]
    assert response.json()["results"][0]["clinician_name"] == "Dana Okafor"
    taken = monday_at(10).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    assert not any(start.startswith(taken) for start in starts)
    assert len(starts) == 36  # 39 half-hour starts 08:00-17:30 every 15 min, minus 09:45, 10:00, 10:15


def test_free_slots_bad_query_is_a_400_naming_the_field(api_as, front_desk, follow_up):
    client = api_as(front_desk)
    assert "date_from" in client.get(f"/api/v1/appointment-slots/?appointment_type={follow_up.pk}").json()
    response = client.get(
        f"/api/v1/appointment-slots/?appointment_type={follow_up.pk}&date_from=2030-01-10&date_to=2030-01-01"
    )
    assert "date_to" in response.json()
