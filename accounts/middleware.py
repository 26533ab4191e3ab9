"""Session lifetime: a signed-in session ends a fixed time after sign-in, however active it is."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
