"""Cancelling asks first and can be undone while the slot is still free (audited); cancelled
appointments are struck through on the schedule behind a filter."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests.scheduling.conftest import monday_at, next_monday

pytestmark = pytest.mark.django_db


def test_cancel_link_opens_a_confirmation_that_names_the_appointment(
    client, front_desk, book, working_clinician, athlete_a
):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    client.force_login(front_desk)
    detail = client.get(f"/schedule/{appointment.pk}/").content.decode()
    assert f'href="/schedule/{appointment.pk}/cancel/"' in detail
    confirm = client.get(f"/schedule/{appointment.pk}/cancel/")
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Cancel this appointment?" in html and "Ada Alpha" in html and "10:00-10:30" in html
    assert "Yes, cancel it" in html and "No, keep it" in html
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED  # asking changed nothing


def test_cancel_without_a_reason_stays_on_the_confirmation(client, front_desk, book, working_clinician, athlete_a):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    client.force_login(front_desk)
    response = client.post(f"/schedule/{appointment.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400 and "Cancel this appointment?" in response.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


def test_a_cancel_is_undone_from_the_appointment_page_and_audited(
    client, front_desk, book, working_clinician, athlete_a
):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    client.force_login(front_desk)
    page = client.post(
        f"/schedule/{appointment.pk}/cancel/", {"reason": "Athlete unwell"}, follow=True
    ).content.decode()
    assert "You can undo it below" in page and "Undo cancel" in page

    page = client.post(f"/schedule/{appointment.pk}/undo-cancel/", follow=True).content.decode()

    restored = Appointment.objects.get(pk=appointment.pk)
    assert restored.status == AppointmentStatus.BOOKED and restored.cancel_reason == ""
    assert "Cancel undone" in page
    summaries = list(AuditEvent.objects.filter(target_id=str(appointment.pk)).values_list("summary", flat=True))
    assert "cancel undone (was: Athlete unwell)" in summaries


def test_no_undo_once_the_slot_is_booked_again(client, front_desk, book, working_clinician, athlete_a, athlete_b):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    services.appointment_cancel(appointment=appointment, cancelled_by=front_desk, reason="Athlete unwell")
    book(athlete_b[1], working_clinician, monday_at(10))
    client.force_login(front_desk)

    page = client.get(f"/schedule/{appointment.pk}/").content.decode()
    assert "booked again since the cancel" in page and "Undo cancel</button>" not in page
    page = client.post(f"/schedule/{appointment.pk}/undo-cancel/", follow=True).content.decode()
    assert "Dana Okafor is already booked" in page
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED


def test_a_moved_appointment_is_not_undone_by_undo_cancel(front_desk, book, working_clinician, athlete_a):
    appointment = book(athlete_a[1], working_clinician, monday_at(10))
    services.appointment_move(appointment=appointment, starts_at=monday_at(14), moved_by=front_desk)
    with pytest.raises(ValidationError, match="was moved"):
        services.appointment_restore(appointment=appointment, restored_by=front_desk)


def test_cancelled_appointments_are_struck_through_behind_a_filter(
    client, front_desk, book, working_clinician, athlete_a, athlete_b
):
    gone = book(athlete_a[1], working_clinician, monday_at(10))
    book(athlete_b[1], working_clinician, monday_at(11))
    services.appointment_cancel(appointment=gone, cancelled_by=front_desk, reason="Athlete unwell")
    client.force_login(front_desk)
    plain = client.get(f"/schedule/?date={next_monday()}").content.decode()
    assert "Bea Beta" in plain and "Ada Alpha" not in plain
    assert 'name="cancelled"' in plain  # the filter is offered

    shown = client.get(f"/schedule/?date={next_monday()}&cancelled=1").content.decode()
    card = shown.split(f'href="/schedule/{gone.pk}/"')[0].rsplit("<a ", 1)[1]
    assert card.startswith('class="appt cancelled gr-')  # .appt.cancelled: line-through
    assert "Ada Alpha</span> · Follow-up · Cancelled" in shown
