"""API tokens (DRF's one token per person): issued after the password, and for staff a
two-factor code (accounts/api/views.py); each is valid for API_TOKEN_TTL_HOURS from issue."""

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
