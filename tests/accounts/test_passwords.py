"""Password rules: length and a common-password list, no composition rules, long passphrases welcome."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create

pytestmark = pytest.mark.django_db

LONG_64 = "my knees thank the glute bridges i do every single morning at six!"[:64]
LONG_128 = ("slow easy miles, strong hips, " * 5)[:128]


@pytest.fixture
def user():
    return User(username="runner", email="runner@example.org", first_name="Rae", last_name="Runner")


def _messages(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.parametrize(
    "password",
    [
        "tq8vmzrw",  # exactly 8 characters, lower case only
        "58213974603",  # digits only: no composition rule refuses it
        "PLANTAR FASCIA HILLS",  # capitals and spaces
        "ç'est la forêt 🏃 qui court",  # any Unicode
        LONG_64,
        LONG_128,
    ],
)
def test_any_composition_of_at_least_8_characters_is_accepted(user, password):
    assert _messages(password, user) == []


def test_password_under_8_characters_is_refused_with_the_minimum_named(user):
    assert _messages("tq8vmzr", user) == ["This password is too short. It must contain at least 8 characters."]


@pytest.mark.parametrize("password", ["password", "password123", "iloveyou", "12345678", "qwertyuiop"])
def test_common_passwords_are_refused(user, password):
    assert "This password is too common." in _messages(password, user)


def test_password_like_the_username_is_refused(user):
    assert any("too similar" in message for message in _messages("runner123", user))


def test_password_over_128_characters_is_refused_not_truncated(user):
    assert _messages(LONG_128 + "x", user) == ["This password is too long: use at most 128 characters."]


def test_numeric_password_validator_is_not_configured(settings):
    names = [validator["NAME"] for validator in settings.AUTH_PASSWORD_VALIDATORS]
    assert "django.contrib.auth.password_validation.NumericPasswordValidator" not in names


def _invite_form_url(client, athlete: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(athlete.pk))
    token = default_token_generator.make_token(athlete)
    # Django swaps the token for a session marker on the first visit, then shows the form.
    return client.get(reverse("accounts:invite-accept", args=[uid, token]), follow=True).redirect_chain[-1][0]


def test_invitation_page_refuses_a_common_password_with_a_message(client):
    athlete = user_create(username="ada@example.org", email="ada@example.org", role=Role.ATHLETE)
    url = _invite_form_url(client, athlete)
    response = client.post(url, {"new_password1": "password123", "new_password2": "password123"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    athlete.refresh_from_db()
    assert not athlete.has_usable_password()


def test_invitation_page_accepts_a_128_character_passphrase_and_signs_in_with_it(client):
    athlete = user_create(username="ada@example.org", email="ada@example.org", role=Role.ATHLETE)
    url = _invite_form_url(client, athlete)
    response = client.post(url, {"new_password1": LONG_128, "new_password2": LONG_128})
    assert response.status_code == 302
    athlete.refresh_from_db()
    assert athlete.check_password(LONG_128)
    assert not athlete.check_password(LONG_128[:64])  # the whole passphrase counts, nothing truncated
    signed_in = client.post(reverse("login"), {"username": athlete.username, "password": LONG_128})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(athlete.pk)
