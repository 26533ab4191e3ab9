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

from accounts.two_factor import two_factor_required

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
# password reset, the token endpoint (it checks its own code) and the health check.
# Static files never get here (WhiteNoise answers them first).
OPEN_BEFORE_TWO_FACTOR = frozenset(
    {
        "login", "logout", "admin:logout",
        "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
        "accounts:two-factor", "accounts:two-factor-setup",
        "api:auth-token", "healthz", "fhir:metadata",
    }
)  # fmt: skip
TWO_FACTOR_NEEDED = (
    "Two-factor sign-in needed: enter the code from your authenticator app at /accounts/two-factor/ "
    "first, or call the API with a token."
)


class StaffTwoFactorMiddleware:
    """Until staff have entered a code from their authenticator app, every page sends them to
    the two-factor step and the API answers 403 (OWASP ASVS 5.0 V6.3.3; HIPAA 164.312(d)).

    Runs after django-otp's OTPMiddleware, which gives ``request.user.is_verified()``. Only the
    session's user is checked: a request carrying ``Authorization: Token ...`` is decided by
    DRF's token check alone (it never falls back to the session), and a staff token is issued
    only against a fresh code (accounts/api/views.py).
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
        user = request.user
        # is_verified() first: django-otp has loaded the device already; the role costs a query.
        if not user.is_authenticated or user.is_verified() or not two_factor_required(user):  # type: ignore[union-attr]
            return None
        if request.path.startswith(("/api/", "/fhir/")):
            if request.headers.get("Authorization", "").lower().split()[:1] == ["token"]:
                return None  # DRF's token check decides, as it does for "Token <key>"
            if request.path.startswith("/fhir/"):  # a FHIR client reads errors as an OperationOutcome
                outcome = {"resourceType": "OperationOutcome",
                           "issue": [{"severity": "error", "code": "forbidden", "diagnostics": TWO_FACTOR_NEEDED}]}  # fmt: skip
                return JsonResponse(outcome, status=403, content_type="application/fhir+json")
            return JsonResponse({"detail": TWO_FACTOR_NEEDED}, status=403)
        return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two-factor"))
