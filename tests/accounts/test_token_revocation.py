"""API tokens end with what they were issued against (issue 18, row 4): a new password, set by
any of the ways Django offers (page, reset link, admin, command), and a two-factor reset."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.two_factor import two_factor_required, two_factor_reset
from audit.models import AuditEvent
from tests.two_factor import authenticator_for, current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a-new-long-passphrase-7"


def _token_client(user: User) -> APIClient:
    """An API client holding a real token, issued by the token endpoint, that works now."""
    api = APIClient()
    fields = {"username": user.username, "password": PASSWORD}
    if two_factor_required(user):
        fields["otp_token"] = current_code(authenticator_for(user))
    key = api.post(reverse("api:auth-token"), fields).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/users/me/").json()["username"] == user.username
    return api


def _assert_revoked(api: APIClient, user: User) -> None:
    response = api.get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert not Token.objects.filter(user=user).exists()


def test_changing_the_password_on_the_page_revokes_the_token(client, athlete_a):
    user = athlete_a[0]
    api = _token_client(user)
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("password_change_done")
    _assert_revoked(api, user)
    assert client.get(reverse("patients:my-record")).status_code == 200  # this session is kept


def test_a_staff_password_change_revokes_the_staff_token(client, clinician):
    api = _token_client(clinician)
    client.force_login(clinician)
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    _assert_revoked(api, clinician)


def test_completing_a_password_reset_revokes_the_token(client, athlete_a):
    user = athlete_a[0]
    api = _token_client(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key first

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    _assert_revoked(api, user)


def test_an_admin_setting_a_password_revokes_the_token(client, clinician, admin_user):
    api = _token_client(clinician)
    client.force_login(User.objects.create_superuser("root", "root@example.org", PASSWORD))

    response = client.post(
        reverse("admin:auth_user_password_change", args=[clinician.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content[:500]
    clinician.refresh_from_db()
    assert clinician.check_password(NEW_PASSWORD)
    _assert_revoked(api, clinician)


def test_the_changepassword_command_revokes_the_token(monkeypatch, athlete_a):
    user = athlete_a[0]
    api = _token_client(user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)  # the command's prompt, not ours
    call_command("changepassword", user.username, stdout=StringIO())
    _assert_revoked(api, user)


def test_saving_the_user_without_a_new_password_keeps_the_token(athlete_a):
    user = athlete_a[0]
    api = _token_client(user)
    user.first_name = "Adele"
    user.save()
    assert api.get("/api/v1/users/me/").json()["first_name"] == "Adele"


def test_a_two_factor_reset_revokes_the_token_and_says_so_in_the_audit_trail(clinician, admin_user):
    api = _token_client(clinician)

    two_factor_reset(user=clinician, by=admin_user)

    _assert_revoked(api, clinician)
    event = AuditEvent.objects.get(target_id=str(clinician.pk), summary__startswith="Reset two-factor")
    assert event.summary == "Reset two-factor sign-in; removed 1 authenticator(s), revoked 1 API token(s)"
