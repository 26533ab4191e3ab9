"""Rate limits per address and per e-mail address: sign-in failures, password reset, API tokens.

The per-account lockout (django-axes) is tested in test_lockout.py; these limits stop what it
cannot: a few guesses on each of many accounts from one address, and mail floods to one inbox.
"""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django_ratelimit.core import get_usage

from clinic.ratelimit import API_TOKEN_PER_IP, SIGN_IN_FAILURES_PER_IP

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
SIGN_IN_LIMITED = "Too many failed sign-ins from your network. Please wait"
TOKEN_LIMITED = "Too many token requests from your network. Please wait"


def _sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _reset(client, email: str, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def _token(api, username: str, password: str):
    return api.post(reverse("api:auth-token"), {"username": username, "password": password}, format="json")


def _at_the_start_of_a_window(limit, rate: str) -> None:
    """Wait for the limit's next window, so the next few requests surely fall in one window."""
    usage = get_usage(RequestFactory().get("/"), group=limit.group, key=limit.key, rate=rate)
    time.sleep(usage["time_left"] + 1 - time.time() % 1 + 0.05)  # a window ends when its last second does


def test_failed_sign_ins_across_usernames_from_one_address_get_a_429(client, settings, clinician):
    settings.RATE_LIMIT_SIGN_IN_FAILURES_PER_IP = "3/h"
    for username in ("ada", "bea", "cal"):  # a few guesses per account stay under the lockout
        assert _sign_in(client, username, "guess-1").status_code == 200
    response = _sign_in(client, "clin", PASSWORD)  # even the right password: the address is limited
    assert response.status_code == 429
    page = response.content.decode()
    assert SIGN_IN_LIMITED in page
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "_auth_user_id" not in client.session
    # Another address is not limited.
    assert (
        client.post(reverse("login"), {"username": "clin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9").status_code
        == 302
    )


def test_successful_sign_ins_do_not_count(client, settings, athlete_a):
    settings.RATE_LIMIT_SIGN_IN_FAILURES_PER_IP = "2/h"
    for _ in range(6):  # a clinic's whole staff signing in from one address each morning
        assert _sign_in(client, athlete_a[0].username, PASSWORD).status_code == 302
        client.logout()


@pytest.mark.serial  # three sign-ins inside one 3 s window
def test_the_sign_in_limit_resets_with_the_next_window(client, settings, athlete_a):
    settings.RATE_LIMIT_SIGN_IN_FAILURES_PER_IP = "2/3s"
    _at_the_start_of_a_window(SIGN_IN_FAILURES_PER_IP, "2/3s")
    for username in ("ada", "bea"):
        _sign_in(client, username, "guess")
    limited = _sign_in(client, athlete_a[0].username, PASSWORD)
    assert limited.status_code == 429
    time.sleep(int(limited["Retry-After"]) + 0.05)
    assert _sign_in(client, athlete_a[0].username, PASSWORD).status_code == 302


def test_password_reset_mails_one_address_a_limited_number_of_times(client, settings, clinician):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = "2/h"
    for _ in range(2):
        assert _reset(client, clinician.email).status_code == 302
    response = _reset(client, f"  {clinician.email.upper()} ")  # the same inbox, however typed
    assert response.status_code == 429
    assert "A reset link was already sent to this address several times" in response.content.decode()
    assert response["Retry-After"]
    assert len(mail.outbox) == 2
    assert _reset(client, "someone.else@example.org").status_code == 302  # other addresses still work


def test_password_reset_requests_from_one_address_are_limited(client, settings):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_IP = "3/h"
    for n in range(3):
        assert _reset(client, f"person{n}@example.org").status_code == 302
    response = _reset(client, "person9@example.org")
    assert response.status_code == 429
    assert "Too many password reset requests from your network" in response.content.decode()
    assert _reset(client, "person9@example.org", REMOTE_ADDR="10.0.0.9").status_code == 302


def test_token_endpoint_requests_per_address_get_a_json_429(api, settings, clinician):
    settings.RATE_LIMIT_API_TOKEN_PER_IP = "3/h"
    for username in ("ada", "bea", "cal"):
        assert _token(api, username, "guess").status_code == 400
    response = _token(api, "clin", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith(TOKEN_LIMITED)
    assert 1 <= int(response["Retry-After"]) <= 3600


@pytest.mark.serial  # three token requests inside one 3 s window
def test_the_token_limit_resets_with_the_next_window(api, settings, athlete_a):
    settings.RATE_LIMIT_API_TOKEN_PER_IP = "2/3s"
    _at_the_start_of_a_window(API_TOKEN_PER_IP, "2/3s")
    for _ in range(2):
        _token(api, "ada", "guess")
    limited = _token(api, athlete_a[0].username, PASSWORD)
    assert limited.status_code == 429
    time.sleep(int(limited["Retry-After"]) + 0.05)
    assert _token(api, athlete_a[0].username, PASSWORD).status_code == 200


def test_limits_can_be_turned_off(client, settings):
    settings.RATELIMIT_ENABLE = False
    settings.RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = "1/h"
    assert [_reset(client, "x@example.org").status_code for _ in range(3)] == [302, 302, 302]


def test_admin_sign_in_failures_count_with_the_sign_in_pages(client, settings, admin_user):
    settings.RATE_LIMIT_SIGN_IN_FAILURES_PER_IP = "2/h"
    admin_login = reverse("admin:login")
    assert client.post(admin_login, {"username": "ada", "password": "guess"}).status_code == 200
    assert _sign_in(client, "bea", "guess").status_code == 200
    response = client.post(admin_login, {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    assert SIGN_IN_LIMITED in response.content.decode()
    assert _sign_in(client, "boss", PASSWORD).status_code == 429
