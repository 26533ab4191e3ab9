"""Session rules: a signed-in session ends a fixed time after sign-in, however active it is;
staff pass the two-factor step before any other page or API call (accounts/two_factor.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from rest_framework.views import APIView

from accounts.two_factor import TWO_FACTOR_NEEDED, two_factor_pending

# Seconds since the epoch when this session was signed in (or first seen signed in).
SIGNED_IN_AT_KEY = "_signed_in_at"


def stamp_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """user_logged_in receiver: every way of signing in (page, admin, tests) starts the clock.

    Django keeps session data when it changes the key at sign-in, so without this a same-user
    re-sign-in would inherit the old start time.
    """
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = time.time()


class AbsoluteSessionLifetimeMiddleware:
    """Signs out a session SESSION_ABSOLUTE_LIFETIME seconds after sign-in (OWASP ASVS 5.0 V7.3.2).

    The inactivity timeout is Django's own (SESSION_COOKIE_AGE, renewed on every request); this
    adds the upper bound. The session is flushed on the server, so its cookie is worthless after.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
            if signed_in_at is None:
                # A session signed in before this middleware existed: its clock starts now.
                request.session[SIGNED_IN_AT_KEY] = now
            elif now - float(signed_in_at) > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
                messages.info(
                    request,
                    "For your security you were signed out after a long session. Please sign in again.",
                    fail_silently=True,
                )
        return self.get_response(request)


# What an unverified staff session may still reach: signing in and out, the two-factor pages,
# password reset, the token endpoint (it checks its own code; as a DRF view it is DRF's to decide
# anyway), the health check, and FHIR's capability statement and its 404 for unknown addresses
# (public, as FHIR servers are). Static files never get here (WhiteNoise answers them first).
OPEN_BEFORE_TWO_FACTOR = frozenset(
    {
        "login",
        "logout",
        "admin:logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "accounts:two-factor",
        "accounts:two-factor-setup",
        "api:auth-token",
        "healthz",
        "fhir:metadata",
        "fhir:unknown",
    }
)


class StaffTwoFactorMiddleware:
    """Until staff have entered a code from their authenticator app, every page sends them to
    the two-factor step (OWASP ASVS 5.0 V6.3.3; HIPAA 164.312(d)).

    Runs after django-otp's OTPMiddleware, which gives ``request.user.is_verified()``. DRF views
    are left to DRF: only DRF knows what authenticated a request (a token, or the session when
    no token scheme was recognised), so the API's rule lives in its session check,
    ``accounts.api.authentication.TwoFactorSessionAuthentication`` (a 403 with TWO_FACTOR_NEEDED).
    Guessing here from the Authorization header was a bypass (issue 18): this module split it on
    any Unicode space, DRF splits on ASCII whitespace and then falls back to the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_TWO_FACTOR:
            return None
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None  # DRF's authentication decides (tests/security/test_two_factor_api.py)
        if not two_factor_pending(request.user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": TWO_FACTOR_NEEDED}, status=403)
        return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two-factor"))
