"""Staff invite an athlete by e-mail; the one-time link sets a password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.roles import Role, role_of
from audit.models import AuditAction, AuditEvent
from patients.services import athlete_invite
from tests.factories import PatientFactory, UserFactory
from tests.security.access_table import ROUTES

pytestmark = pytest.mark.django_db


def _invite(client, inviter, patient, **data):
    client.force_login(inviter)
    return client.post(reverse("patients:invite", args=[patient.pk]), data, follow=True)


def _invitations():
    return AuditEvent.objects.filter(target_type="accounts.user", summary__startswith="Portal invitation")


def test_invitation_email_link_sets_password_once(client, clinician, django_capture_on_commit_callbacks):
    patient = PatientFactory(first_name="Nia", email="nia@runner.example")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, clinician, patient)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia@runner.example"]
    assert "Hello Nia" in mail.outbox[0].body
    link = re.search(r"http://\S+/accounts/invite/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[1]
    client.logout()

    form_page = client.get(path, follow=True)
    assert b"Choose a password" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "strong-stride-2026", "new_password2": "strong-stride-2026"})

    user = get_user_model().objects.get(email="nia@runner.example")
    patient.refresh_from_db()
    assert patient.user == user
    assert role_of(user) == Role.ATHLETE
    accepted = AuditEvent.objects.get(summary__startswith="Accepted the portal invitation")
    assert (accepted.actor, accepted.target_id, accepted.patient_id) == (user, str(user.pk), patient.pk)
    assert client.login(username=user.username, password="strong-stride-2026")
    client.logout()
    assert b"This invitation has expired" in client.get(path, follow=True).content


def test_front_desk_cannot_invite_and_nothing_is_sent_or_recorded(
    client, front_desk, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="nia@runner.example")
    client.force_login(front_desk)
    url = reverse("patients:invite", args=[patient.pk])
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(url, {"other_email": "door@attacker.example", "confirm_other_email": "on"})
    assert client.get(url).status_code == 403
    assert posted.status_code == 403
    assert mail.outbox == []
    patient.refresh_from_db()
    assert patient.user is None
    assert not get_user_model().objects.filter(email="door@attacker.example").exists()
    assert not _invitations().exists()
    assert b"Invite to portal" not in client.get(reverse("patients:detail", args=[patient.pk])).content


def test_front_desk_holds_no_invitation_permission(front_desk):
    assert not front_desk.has_perm("accounts.invite_athlete")
    with pytest.raises(PermissionDenied):
        athlete_invite(patient=PatientFactory(), invited_by=front_desk)


def test_clinician_invites_to_the_address_on_the_record_and_it_is_audited(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="Nia@Runner.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, clinician, patient)
    assert "Invitation sent to nia@runner.example." in response.content.decode()
    assert mail.outbox[0].to == ["nia@runner.example"]
    event = _invitations().get()
    assert (event.actor, event.action, event.patient_id) == (clinician, AuditAction.CREATE, patient.pk)
    assert event.summary == "Portal invitation e-mailed to the address on the patient's record"


def test_another_address_is_refused_without_confirmation(client, clinician, django_capture_on_commit_callbacks):
    patient = PatientFactory(email="nia@runner.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, clinician, patient, other_email="someone@else.example")
    assert "Confirm that this address is the athlete&#x27;s own" in response.content.decode()
    assert mail.outbox == []
    patient.refresh_from_db()
    assert patient.user is None
    assert not _invitations().exists()


def test_another_address_confirmed_by_the_clinician_is_used_and_recorded(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="nia@runner.example")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, clinician, patient, other_email="nia.new@runner.example", confirm_other_email="on")
    assert mail.outbox[0].to == ["nia.new@runner.example"]
    patient.refresh_from_db()
    assert patient.user.email == "nia.new@runner.example"
    event = _invitations().get()
    assert event.summary == (
        "Portal invitation e-mailed to another address, confirmed by the inviter: nia.new@runner.example"
    )


def test_a_record_without_an_address_needs_a_confirmed_one(client, clinician):
    patient = PatientFactory(email="")
    response = _invite(client, clinician, patient)
    assert "The record has no e-mail address" in response.content.decode()
    assert mail.outbox == []


def test_invitation_refuses_an_email_already_in_use(client, clinician):
    patient = PatientFactory(email=clinician.email)
    response = _invite(client, clinician, patient)
    assert b"already has an account" in response.content
    patient.refresh_from_db()
    assert patient.user is None


def test_athlete_cannot_invite(client, athlete_a, athlete_b):
    client.force_login(athlete_a[0])
    response = client.post(reverse("patients:invite", args=[athlete_b[1].pk]), {"other_email": "x@example.org"})
    assert response.status_code == 403


def test_the_api_offers_no_way_to_link_a_portal_account(api_as, front_desk, clinician):
    """No invitation route in the API (the access table lists every route), and ``user`` is not writable."""
    assert not [name for name, route in ROUTES.items() if route.kind == "api" and "invit" in name]
    patient = PatientFactory()
    stranger = UserFactory(role=Role.ATHLETE)
    for user in (front_desk, clinician):
        response = api_as(user).patch(f"/api/v1/patients/{patient.pk}/", {"user": stranger.pk}, format="json")
        assert response.status_code in (200, 400)
        patient.refresh_from_db()
        assert patient.user is None


def test_password_reset_sends_a_console_email(client, clinician):
    client.post(reverse("password_reset"), {"email": clinician.email})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_each_request_extends_the_session_and_idle_sessions_expire(client, clinician):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(clinician)
    assert client.get(reverse("patients:list")).status_code == 200
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    # Thirty idle minutes later:
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
