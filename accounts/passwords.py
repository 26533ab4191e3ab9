"""Password rules beyond Django's own validators (settings.AUTH_PASSWORD_VALIDATORS), and what
a new password revokes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts.api_tokens import api_tokens_revoke


class MaximumLengthValidator:
    """Accepts long passphrases (ASVS 5.0 V6.2.9 asks for at least 64 characters) but refuses
    absurd lengths, so a request cannot make the server hash megabytes. Nothing is truncated."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: use at most {self.max_length} characters.",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Long passphrases are welcome, up to {self.max_length} characters."


class NewPasswordRevokesApiTokens:
    """Not a rule: the hook that revokes the person's API tokens whenever a password is set.

    Why here and not an explicit call in each view: the password pages (change, reset,
    invitation) and the admin's "set password" are Django's own views, and ``manage.py
    changepassword`` has no view at all. Django calls every configured validator's
    ``password_changed`` after ``User.save()`` stores a new password (django.contrib.auth
    password_validation), whichever of those set it: the one place that covers them all,
    narrower than a signal (it fires for a new password only) and listed in settings next to
    the other password rules. The work itself is the service, accounts.api_tokens.api_tokens_revoke.
    """

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk is not None:
            api_tokens_revoke(user=user)

    def get_help_text(self) -> str:
        return "A new password also revokes your API token."
