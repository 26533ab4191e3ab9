"""Staff invite an athlete by e-mail; the one-time link sets a password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.roles import Role, role_of
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _invite(client, front_desk, patient, email="nia@runner.example"):
    client.force_login(front_desk)
    return client.post(reverse("patients:invite", args=[patient.pk]), {"email": email}, follow=True)


def test_invitation_email_link_sets_password_once(client, front_desk, django_capture_on_commit_callbacks):
    patient = PatientFactory(first_name="Nia")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, front_desk, patient)
    assert len(mail.outbox) == 1
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
    assert client.login(username=user.username, password="strong-stride-2026")
    client.logout()
    assert b"This invitation has expired" in client.get(path, follow=True).content


def test_invitation_refuses_an_email_already_in_use(client, front_desk, clinician):
    patient = PatientFactory()
    response = _invite(client, front_desk, patient, email=clinician.email)
    assert b"already has an account" in response.content
    patient.refresh_from_db()
    assert patient.user is None


def test_athlete_cannot_invite(client, athlete_a, athlete_b):
    client.force_login(athlete_a[0])
    response = client.post(reverse("patients:invite", args=[athlete_b[1].pk]), {"email": "x@example.org"})
    assert response.status_code == 403


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
