"""Rate limits of the clinic (django-ratelimit), and the 429 a page or the API answers.

Each limit counts requests in the shared "ratelimit" cache (settings.CACHES), per address, per
e-mail address or per user, over a window set by a setting ("5/15m": 5 per 15 minutes). A page
over its limit shows the reason; the API answers JSON ``{"detail": ...}``; both are a 429 with
Retry-After. The per-account sign-in lockout is django-axes' (accounts/lockout.py), not this.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle


def _email_address(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


def wait_in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def _seconds_to_wait(usage: dict[str, Any]) -> int:
    # django-ratelimit names a window by the whole second it ends in; the next one starts when that
    # second is over, up to one second after "time_left" (which is -1 when the cache failed).
    return max(1, usage["time_left"] + 1)


@dataclass(frozen=True)
class RateLimit:
    group: str  # the counter's name in the cache
    setting: str  # the setting that holds the rate, "count/period"
    key: str | Callable[[str, Any], str]  # django-ratelimit's key: "ip", "user", or a function
    message: str  # what the person reads; {wait} becomes "12 minutes"

    def _rate(self, group: str, request: Any) -> str:
        return getattr(settings, self.setting)  # read per request: settings overrides apply

    def _usage(self, request: Any, *, increment: bool) -> dict[str, Any] | None:
        return get_usage(request, group=self.group, key=self.key, rate=self._rate, increment=increment)

    def hit(self, request: Any) -> int | None:
        """Count this request. Over the limit: the seconds until the window ends; else None."""
        usage = self._usage(request, increment=True)
        if usage is None or not usage["should_limit"]:
            return None
        return _seconds_to_wait(usage)

    def full(self, request: Any) -> int | None:
        """Without counting: the seconds to wait if the limit is already reached, else None."""
        usage = self._usage(request, increment=False)
        if usage is None or usage["count"] < usage["limit"]:
            return None
        return _seconds_to_wait(usage)

    def message_for(self, wait_s: int) -> str:
        return self.message.format(wait=wait_in_words(wait_s))


SIGN_IN_FAILURES_PER_IP = RateLimit(
    "sign-in-failures-ip",
    "RATE_LIMIT_SIGN_IN_FAILURES_PER_IP",
    "ip",
    "Too many failed sign-ins from your network. Please wait {wait} and try again.",
)
PASSWORD_RESET_PER_IP = RateLimit(
    "password-reset-ip",
    "RATE_LIMIT_PASSWORD_RESET_PER_IP",
    "ip",
    "Too many password reset requests from your network. Please wait {wait} and try again.",
)
PASSWORD_RESET_PER_ADDRESS = RateLimit(
    "password-reset-address",
    "RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS",
    _email_address,
    "A reset link was already sent to this address several times. Please check your inbox and spam "
    "folder, or wait {wait} before asking again.",
)
API_TOKEN_PER_IP = RateLimit(
    "api-token-ip",
    "RATE_LIMIT_API_TOKEN_PER_IP",
    "ip",
    "Too many token requests from your network. Please wait {wait} and try again.",
)
UPLOADS_PER_USER = RateLimit(
    "uploads-user",
    "RATE_LIMIT_UPLOADS_PER_USER",
    "user",
    "Too many video uploads in a short time. Please wait {wait} before the next one.",
)


def too_many_requests(request: HttpRequest, limit: RateLimit, wait_s: int) -> HttpResponse:
    """The 429 page (or JSON ``{"error": ...}`` for a page's own XMLHttpRequest) with the reason."""
    message = limit.message_for(wait_s)
    response: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": message}, status=429)
    else:
        response = TemplateResponse(request, "429.html", {"message": message}, status=429)
        response.render()
    response["Retry-After"] = str(wait_s)
    return response


def rate_limited(*limits: RateLimit) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A page view counts each request against ``limits`` and answers 429 over any of them."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            for limit in limits:
                wait_s = limit.hit(request)
                if wait_s is not None:
                    return too_many_requests(request, limit, wait_s)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitThrottle(BaseThrottle):
    """A DRF throttle over one of the limits above: a 429 ``{"detail": reason}`` with Retry-After."""

    limit: RateLimit

    def allow_request(self, request: Any, view: Any) -> bool:
        wait_s = self.limit.hit(request)
        if wait_s is not None:
            exc = Throttled(detail=self.limit.message_for(wait_s))
            exc.wait = wait_s  # DRF's handler turns it into Retry-After
            raise exc
        return True


class ApiTokenThrottle(RateLimitThrottle):
    limit = API_TOKEN_PER_IP


class UploadThrottle(RateLimitThrottle):
    limit = UPLOADS_PER_USER
