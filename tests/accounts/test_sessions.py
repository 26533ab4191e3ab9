"""Sessions: a new id at sign-in, killed at sign-out and deactivation, idle and absolute time limits."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.middleware import SIGNED_IN_AT_KEY
from accounts.models import User
from accounts.services import user_deactivate
from audit.models import AuditEvent
from tests.two_factor import sign_in_with_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def _signed_in_client(user: User) -> Client:
    client = Client()
    sign_in_with_code(client, user, PASSWORD)
    return client


def _client_with_cookie(session_key: str) -> Client:
    client = Client()
    client.cookies["sessionid"] = session_key
    return client


def _is_sent_to_sign_in(client: Client) -> bool:
    response = client.get(reverse("patients:list"))
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_sign_in_replaces_the_session_id_and_deletes_the_old_one(client, clinician):
    anonymous = client.session
    anonymous["seen_banner"] = True
    anonymous.save()
    old_key = anonymous.session_key
    client.cookies["sessionid"] = old_key

    response = client.post(reverse("login"), {"username": "clin", "password": PASSWORD})

    assert response.status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.get(session_key=new_key).get_decoded()["_auth_user_id"] == str(clinician.pk)
    assert _is_sent_to_sign_in(_client_with_cookie(old_key))  # a fixated id is worth nothing


def test_sign_out_deletes_the_server_side_session(clinician):
    client = _signed_in_client(clinician)
    key = client.cookies["sessionid"].value
    assert client.get(reverse("patients:list")).status_code == 200

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert _is_sent_to_sign_in(_client_with_cookie(key))


def test_deactivating_a_user_ends_every_session_and_revokes_the_api_token(clinician, front_desk, admin_user):
    laptop, phone = _signed_in_client(clinician), _signed_in_client(clinician)
    colleague = _signed_in_client(front_desk)
    token = Token.objects.create(user=clinician)
    keys = [laptop.cookies["sessionid"].value, phone.cookies["sessionid"].value]

    user_deactivate(user=clinician, by=admin_user)

    clinician.refresh_from_db()
    assert clinician.is_active is False
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert _is_sent_to_sign_in(laptop)
    assert _is_sent_to_sign_in(phone)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/users/me/").status_code == 401
    assert not Token.objects.filter(user=clinician).exists()
    # Someone else's session is untouched.
    assert colleague.get(reverse("patients:list")).status_code == 200
    event = AuditEvent.objects.get(target_type="accounts.user", target_id=str(clinician.pk))
    assert event.actor == admin_user
    assert event.summary == "Deactivated; ended 2 session(s), revoked 1 API token(s)"


def test_deactivated_user_cannot_sign_in_again(client, clinician, admin_user):
    user_deactivate(user=clinician, by=admin_user)
    response = client.post(reverse("login"), {"username": "clin", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_action_deactivates_and_ends_sessions(client, clinician):
    superuser = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    victim_session = _signed_in_client(clinician)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [clinician.pk, superuser.pk]},
        follow=True,
    )

    assert "1 people deactivated" in response.content.decode()
    assert "You cannot deactivate yourself." in response.content.decode()
    clinician.refresh_from_db()
    superuser.refresh_from_db()
    assert (clinician.is_active, superuser.is_active) == (False, True)
    assert _is_sent_to_sign_in(victim_session)


def test_unticking_active_in_the_admin_ends_sessions(client, clinician):
    superuser = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    victim_session = _signed_in_client(clinician)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[clinician.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        groups=[group.pk for group in clinician.groups.all()],
        user_permissions=[],
        date_joined_0=clinician.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=clinician.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("is_active")

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    clinician.refresh_from_db()
    assert clinician.is_active is False
    assert _is_sent_to_sign_in(victim_session)
    assert AuditEvent.objects.filter(target_type="accounts.user", summary__startswith="Deactivated; ended 1").exists()


def test_each_request_pushes_the_idle_timeout_forward(settings, clinician):
    client = _signed_in_client(clinician)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(seconds=30))

    assert client.get(reverse("patients:list")).status_code == 200

    expires_in = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        < expires_in
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def test_idle_session_is_refused_after_the_timeout(clinician):
    client = _signed_in_client(clinician)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _is_sent_to_sign_in(client)


def test_sign_in_starts_the_absolute_lifetime_clock(clinician):
    before = time.time()
    client = _signed_in_client(clinician)
    assert before <= client.session[SIGNED_IN_AT_KEY] <= time.time()


def test_active_session_ends_after_the_absolute_lifetime(settings, clinician):
    client = _signed_in_client(clinician)
    key = client.cookies["sessionid"].value
    session = client.session
    session[SIGNED_IN_AT_KEY] = time.time() - settings.SESSION_ABSOLUTE_LIFETIME - 1
    session.save()

    response = client.get(reverse("patients:list"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out after a long session" in response.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
    assert _is_sent_to_sign_in(_client_with_cookie(key))


def test_session_within_the_absolute_lifetime_carries_on(settings, clinician):
    client = _signed_in_client(clinician)
    session = client.session
    session[SIGNED_IN_AT_KEY] = time.time() - settings.SESSION_ABSOLUTE_LIFETIME + 60
    session.save()
    response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert response.context["user"] == clinician


def test_absolute_lifetime_also_ends_api_calls_on_a_session(settings, clinician):
    client = _signed_in_client(clinician)
    session = client.session
    session[SIGNED_IN_AT_KEY] = time.time() - settings.SESSION_ABSOLUTE_LIFETIME - 1
    session.save()
    response = client.get("/api/v1/users/me/")
    assert response.status_code == 401
