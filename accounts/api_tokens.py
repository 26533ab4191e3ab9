"""API tokens (DRF's one token per person): issued after the password, and for staff a
two-factor code (accounts/api/views.py); each is valid for API_TOKEN_TTL_HOURS from issue, and
revoked when the person is deactivated, sets a new password or has two-factor sign-in reset."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User


def token_expires_at(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_is_expired(token: Token) -> bool:
    return timezone.now() >= token_expires_at(token)


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """The person's current token, or a new one when they have none or theirs has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def api_tokens_revoke(*, user: User) -> int:
    """Delete the person's API tokens (how many): the next call with one gets a 401.

    Called wherever what a token was issued against stops holding: deactivation
    (accounts/services.py), a new password (accounts/passwords.py, every way one is set) and a
    two-factor reset (accounts/two_factor.py). Sessions end on their own on a new password:
    Django checks the password hash each session was signed in with.
    """
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
