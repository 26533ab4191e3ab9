"""DRF authentication for the API: tokens that expire (settings.API_TOKEN_TTL_HOURS), and the
session only once staff have passed the two-factor step."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from accounts.api_tokens import token_is_expired
from accounts.two_factor import TWO_FACTOR_NEEDED, two_factor_pending


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


class TwoFactorSessionAuthentication(SessionAuthentication):
    """DRF's session check (with its CSRF check), declining staff who passed only the password.

    The one place the API's two-factor rule is decided: DRF reaches the session only when no
    token scheme authenticated the request, whatever the Authorization header looked like, so
    the rule cannot be side-stepped by a header DRF does not recognise (issue 18).

    The session is declined rather than refused with an exception: DRF authenticates lazily,
    and an exception raised where it first reads ``request.user`` outside the view (rendering
    a 406 of the HTML docs page) would be a 500. The request goes on as anonymous, every view
    answers it "not authenticated", and ``clinic.api.exception_handler`` answers the reason
    left here instead: a 403 with TWO_FACTOR_NEEDED.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if two_factor_pending(getattr(request._request, "user", None)):
            request.authentication_refusal = PermissionDenied(TWO_FACTOR_NEEDED)
            return None
        return super().authenticate(request)


class TwoFactorSessionScheme(SessionScheme):
    """The schema describes the two-factor session check as DRF's: the session cookie.

    drf-spectacular matches its session scheme to DRF's class only, not to subclasses; without
    this it warns, and the deploy check (--fail-level WARNING) fails.
    """

    target_class = TwoFactorSessionAuthentication  # type: ignore[assignment]  # drf-spectacular takes a class or its path
