"""Repeated failed sign-ins lock the account (django-axes), on the sign-in page and the API alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.two_factor import authenticator_for, current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
LOCKED = "Too many failed sign-ins for this account"


@pytest.fixture(autouse=True)
def _three_strikes(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _token(api, username: str, password: str, **fields):
    body = {"username": username, "password": password, **fields}
    return api.post(reverse("api:auth-token"), body, format="json")


def test_sign_in_page_locks_the_account_after_the_failure_limit_with_a_clear_message(client, clinician):
    for _ in range(2):
        response = _sign_in(client, "clin", "wrong-guess-1")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = _sign_in(client, "clin", "wrong-guess-3")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "Please wait 15 minutes" in page
    assert "didn't match" not in page
    assert response["Retry-After"] == "900"


def test_locked_account_is_refused_even_with_the_right_password(client, clinician):
    for _ in range(3):
        _sign_in(client, "clin", "wrong-guess")
    response = _sign_in(client, "clin", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_counts_per_account_whatever_the_address(client, clinician, front_desk):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _sign_in(client, "clin", "wrong-guess", REMOTE_ADDR=address)
    assert _sign_in(client, "clin", PASSWORD, REMOTE_ADDR="10.0.0.4").status_code == 429
    # Another account at the same address signs in normally: the clinic's shared address is not locked.
    response = _sign_in(client, "desk", PASSWORD, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(front_desk.pk)


def test_unknown_usernames_are_locked_the_same_way_revealing_nothing(client):
    for _ in range(3):
        response = _sign_in(client, "nobody-here", "wrong-guess")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_successful_sign_in_resets_the_failure_count(client, clinician):
    for _ in range(2):
        _sign_in(client, "clin", "wrong-guess")
    assert _sign_in(client, "clin", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        response = _sign_in(client, "clin", "wrong-guess")
    assert response.status_code == 200  # two more failures, still under the limit of three
    assert _sign_in(client, "clin", PASSWORD).status_code == 302


def test_lock_lifts_after_the_cool_off(client, clinician):
    for _ in range(3):
        _sign_in(client, "clin", "wrong-guess")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _sign_in(client, "clin", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician.pk)


def test_api_token_endpoint_answers_a_lockout_with_429_json_and_a_message(api, clinician):
    for _ in range(2):
        response = _token(api, "clin", "wrong-guess")
        assert response.status_code == 400
        assert response.json()["non_field_errors"][0].startswith("Unable to sign in with these details.")
    response = _token(api, "clin", "wrong-guess")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith(LOCKED)
    assert response["Retry-After"] == "900"
    refused = _token(api, "clin", PASSWORD)
    assert refused.status_code == 429
    assert not Token.objects.filter(user=clinician).exists()


def test_api_token_endpoint_gives_a_token_when_not_locked(api, clinician):
    response = _token(api, "clin", PASSWORD, otp_token=current_code(authenticator_for(clinician)))
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=clinician).key


def test_failures_on_the_api_lock_the_sign_in_page_too(client, api, clinician):
    for _ in range(3):
        _token(api, "clin", "wrong-guess")
    response = _sign_in(client, "clin", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_failures_on_the_sign_in_page_lock_the_api_too(client, api, clinician):
    for _ in range(3):
        _sign_in(client, "clin", "wrong-guess")
    response = _token(api, "clin", PASSWORD)
    assert response.status_code == 429
    assert response.json()["detail"].startswith(LOCKED)


def test_admin_sign_in_is_locked_the_same_way(client, clinician):
    url = reverse("admin:login")
    for _ in range(3):
        response = client.post(url, {"username": "clin", "password": "wrong-guess"})
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_lockout_can_be_switched_off_by_setting(settings, client, clinician):
    settings.AXES_ENABLED = False
    for _ in range(4):
        _sign_in(client, "clin", "wrong-guess")
    assert _sign_in(client, "clin", PASSWORD).status_code == 302


def test_server_side_authenticate_without_a_request_still_works(clinician):
    # manage.py shell and Django's test client login() pass no request: nothing remote to lock.
    assert authenticate(username="clin", password=PASSWORD) == clinician
    assert authenticate(username="clin", password="wrong-guess") is None


def test_force_login_in_tests_is_unaffected_by_a_locked_account(client, clinician):
    for _ in range(3):
        _sign_in(client, "clin", "wrong-guess")
    client.force_login(clinician)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert response.context["user"] == clinician
