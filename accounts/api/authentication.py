"""DRF authentication for the API: tokens that expire (settings.API_TOKEN_TTL_HOURS)."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.api_tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token check plus an age limit counted from the token's creation.

    A stolen token is worth at most API_TOKEN_TTL_HOURS; staff get a new one only with a fresh
    two-factor code, so every token request is as verified as a signed-in session.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise AuthenticationFailed("Token expired. Ask for a new one with POST /api/v1/auth/token/.")
        return user, token
