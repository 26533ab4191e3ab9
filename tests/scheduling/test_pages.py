"""Scheduling pages: who may open which page, booking and clash messages, follow-ups from a visit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling.models import Appointment, AppointmentStatus, CalendarException, Room, WorkingHours
from tests.factories import VisitFactory
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = pytest.mark.django_db

PAGES = (
    "/schedule/",
    "/schedule/slots/",
    "/schedule/book/",
    "/schedule/reminders/",
    "/schedule/hours/",
    "/schedule/feed/",
)
# Which page each role may open (200) - the rest answer 403.
ALLOWED = {
    "front_desk": {"/schedule/", "/schedule/slots/", "/schedule/book/", "/schedule/reminders/", "/schedule/hours/"},
    "clinician": {"/schedule/", "/schedule/slots/", "/schedule/book/", "/schedule/hours/", "/schedule/feed/"},
    "athlete": {"/schedule/"},
}


def test_anonymous_is_sent_to_sign_in_from_every_page(client, book, working_clinician, athlete_a):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    for url in (*PAGES, f"/schedule/{appointment.pk}/", f"/schedule/patients/{athlete_a[1].pk}/appointments.ics"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("role", ["front_desk", "clinician", "athlete"])
def test_role_matrix_on_scheduling_pages(role, client, front_desk, working_clinician, athlete_a):
    user = {"front_desk": front_desk, "clinician": working_clinician, "athlete": athlete_a[0]}[role]
    client.force_login(user)
    for url in PAGES:
        expected = 200 if url in ALLOWED[role] else 403
        assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", ["athlete", "clinician"])
def test_writes_refused_to_roles_without_the_permission(
    role, client, book, working_clinician, other_clinician, athlete_a, athlete_b
):
    appointment = book(athlete_b[1], other_clinician, monday_at(10))
    user = athlete_a[0] if role == "athlete" else working_clinician
    client.force_login(user)
    for url, data in (
        (f"/schedule/{appointment.pk}/cancel/", {"reason": "nope"}),
        (
            f"/schedule/{appointment.pk}/move/",
            {"date": str(next_monday()), "time": "14:00", "clinician": working_clinician.pk},
        ),
        (f"/schedule/{appointment.pk}/outcome/", {"outcome": "no_show"}),
    ):
        # The athlete lacks the permission (403); the clinician has no link to Bea (404).
        assert client.post(url, data).status_code == (403 if role == "athlete" else 404), url
    assert client.post("/schedule/hours/", {"form": "hours"}).status_code in (403, 404)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


def test_athlete_cannot_open_another_athletes_appointment(client, book, working_clinician, athlete_a, athlete_b):
    theirs = book(athlete_b[1], working_clinician, monday_at(10))
    mine = book(athlete_a[1], working_clinician, monday_at(11))
    client.force_login(athlete_a[0])
    assert client.get(f"/schedule/{theirs.pk}/").status_code == 404
    assert "Ada Alpha" in client.get(f"/schedule/{mine.pk}/").content.decode()
    calendar = client.get(f"/schedule/?date={next_monday()}").content.decode()
    assert f'href="/schedule/{mine.pk}/"' in calendar and f'href="/schedule/{theirs.pk}/"' not in calendar
    # Their own appointments only, without the staff's filters, other clinicians or booking links.
    assert "My appointments" in calendar and 'name="clinician"' not in calendar
    assert "Find a slot" not in calendar and "Whole clinic" not in calendar


def test_schedule_link_in_the_menu_follows_the_permission(client, front_desk):
    client.force_login(front_desk)
    assert 'href="/schedule/"' in client.get("/patients/").content.decode()


def test_front_desk_books_from_the_form_and_sees_it_in_the_day_view(
    client, front_desk, working_clinician, follow_up, athlete_a
):
    client.force_login(front_desk)
    data = {
        "patient": athlete_a[1].pk,
        "clinician": working_clinician.pk,
        "appointment_type": follow_up.pk,
        "date": str(next_monday()),
        "time": "09:00",
    }
    response = client.post("/schedule/book/", data, follow=True)
    assert "Booked: Ada Alpha" in response.content.decode()
    day = client.get(f"/schedule/?date={next_monday()}&clinician={working_clinician.pk}").content.decode()
    assert "Ada Alpha" in day and "09:00" in day


def test_second_booking_of_a_slot_shows_the_clash_message(
    client, front_desk, book, working_clinician, follow_up, athlete_a, athlete_b
):
    book(athlete_a[1], working_clinician, monday_at(9))
    client.force_login(front_desk)
    data = {
        "patient": athlete_b[1].pk,
        "clinician": working_clinician.pk,
        "appointment_type": follow_up.pk,
        "date": str(next_monday()),
        "time": "09:00",
    }
    response = client.post("/schedule/book/", data)
    assert response.status_code == 409
    assert "Dana Okafor is already booked" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_booking_outside_hours_shows_the_hours_on_the_form(client, front_desk, working_clinician, follow_up, athlete_a):
    client.force_login(front_desk)
    data = {
        "patient": athlete_a[1].pk,
        "clinician": working_clinician.pk,
        "appointment_type": follow_up.pk,
        "date": str(next_monday()),
        "time": "07:00",
    }
    response = client.post("/schedule/book/", data)
    assert response.status_code == 400
    assert "works 08:00-18:00 on Mondays" in response.content.decode()


def test_move_and_cancel_from_the_appointment_page(client, front_desk, book, working_clinician, athlete_a):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    client.force_login(front_desk)
    data = {"date": str(next_monday()), "time": "15:00", "clinician": working_clinician.pk}
    page = client.post(f"/schedule/{appointment.pk}/move/", data, follow=True).content.decode()
    new = Appointment.objects.get(rescheduled_from=appointment)
    assert "Moved to" in page and "15:00" in page
    page = client.post(f"/schedule/{new.pk}/cancel/", {"reason": "Athlete travelling"}, follow=True).content.decode()
    assert "Athlete travelling" in page
    assert Appointment.objects.get(pk=new.pk).status == AppointmentStatus.CANCELLED


def test_slot_search_lists_free_slots_with_booking_links(
    client, front_desk, book, working_clinician, follow_up, athlete_a
):
    book(athlete_a[1], working_clinician, monday_at(8))
    client.force_login(front_desk)
    monday = next_monday()
    page = client.get(
        f"/schedule/slots/?appointment_type={follow_up.pk}&clinician={working_clinician.pk}&date_from={monday}&date_to={monday}"
    ).content.decode()
    assert ">08:30<" in page and ">08:00<" not in page  # 08:00 is booked
    assert f"date={monday}&amp;time=08%3A30" in page


def test_follow_up_from_a_visit_offers_slots_around_n_weeks_later(client, working_clinician, athlete_a):
    visit = VisitFactory(
        patient=athlete_a[1], clinician=working_clinician, visit_date=next_monday() - timedelta(weeks=2)
    )
    client.force_login(working_clinician)
    assert f"/schedule/follow-up/{visit.pk}/" in client.get(visit.get_absolute_url()).content.decode()
    page = client.get(f"/schedule/follow-up/{visit.pk}/?weeks=2").content.decode()
    assert "Follow-up for Ada Alpha" in page
    assert f"patient={athlete_a[1].pk}" in page
    assert f"date={next_monday()}" in page


def test_front_desk_sets_working_hours_and_time_off(client, front_desk, clinician):
    client.force_login(front_desk)
    client.post(
        "/schedule/hours/", {"form": "hours", "clinician": clinician.pk, "weekday": 2, "start": "09:00", "end": "13:00"}
    )
    assert WorkingHours.objects.filter(clinician=clinician, weekday=2).count() == 1
    response = client.post(
        "/schedule/hours/", {"form": "hours", "clinician": clinician.pk, "weekday": 2, "start": "12:00", "end": "15:00"}
    )
    assert "overlaps working hours" in response.content.decode()
    client.post(
        "/schedule/hours/",
        {
            "form": "exception",
            "clinician": clinician.pk,
            "reason": "holiday",
            "first_day": str(next_monday()),
            "last_day": str(next_monday()),
        },
    )
    assert CalendarException.objects.get(clinician=clinician).reason == "holiday"


def test_week_view_lists_the_whole_week_per_day(client, front_desk, book, working_clinician, athlete_a, athlete_b):
    book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(10) + timedelta(days=3))
    client.force_login(front_desk)
    page = client.get(f"/schedule/?view=week&date={next_monday() + timedelta(days=2)}").content.decode()
    assert "Ada Alpha" in page and "Bea Beta" in page
    assert page.count('<h2 class="thead"') == 7
    day = client.get(f"/schedule/?date={next_monday()}").content.decode()
    assert "Ada Alpha" in day and "Bea Beta" not in day


def test_booking_from_a_patient_record_carries_the_patient_through_the_search(
    client, front_desk, working_clinician, follow_up, athlete_a
):
    client.force_login(front_desk)
    record = client.get(f"/patients/{athlete_a[1].pk}/").content.decode()
    assert f"/schedule/slots/?patient={athlete_a[1].pk}" in record
    form = client.get(f"/schedule/slots/?patient={athlete_a[1].pk}").content.decode()
    assert "Find a free slot for Ada Alpha" in form
    assert f'name="patient" value="{athlete_a[1].pk}"' in form
    monday = next_monday()
    results = client.get(
        f"/schedule/slots/?patient={athlete_a[1].pk}&appointment_type={follow_up.pk}&date_from={monday}&date_to={monday}"
    ).content.decode()
    assert f"patient={athlete_a[1].pk}&amp;clinician={working_clinician.pk}" in results


def test_calendar_line_shows_time_in_clinic_time_people_type_room_status_and_reminder(
    client, front_desk, book, working_clinician, other_clinician, athlete_a, athlete_b
):
    room = Room.objects.create(name="Gym 2")
    seen = book(athlete_a[1], working_clinician, monday_at(9, 30), room=room)
    Appointment.objects.filter(pk=seen.pk).update(reminder_sent_at=monday_at(9, 30) - timedelta(days=1, hours=2))
    missed = book(athlete_b[1], other_clinician, monday_at(11))
    Appointment.objects.filter(pk=missed.pk).update(status=AppointmentStatus.NO_SHOW)
    cancelled = book(athlete_b[1], working_clinician, monday_at(14))
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)
    client.force_login(front_desk)

    page = client.get(f"/schedule/?view=week&date={next_monday()}").content.decode()

    sent = next_monday() - timedelta(days=1)
    assert (
        f'href="/schedule/{seen.pk}/">09:30\N{EN DASH}10:00 <span class="who">Ada Alpha</span> · Follow-up · Gym 2'
        f" · Dana Okafor · Reminder: Sent {sent.day} {sent:%b} 07:30</a>"
    ) in page
    assert (
        f'href="/schedule/{missed.pk}/">11:00\N{EN DASH}11:30 <span class="who">Bea Beta</span> · Follow-up'
        " · Lee Park · Did not attend</a>"
    ) in page
    assert 'class="appt no_show gr-' in page
    assert f"/schedule/{cancelled.pk}/" not in page
