"""Authentication backends: the lockout guard that runs before the password check."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' guard: refuses any sign-in to an account locked after repeated failures.

    Every sign-in over HTTP (the sign-in page, the admin, the API token endpoint) passes its
    request and is guarded. A call without a request comes from code on the server itself
    (``manage.py shell``, Django's test client ``login()``): there is no remote party to lock
    out, so it is left to the next backend instead of failing with axes' "request required".
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
