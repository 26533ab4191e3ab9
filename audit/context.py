"""The request being served, for the audit trail of writes made deep inside services."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None
    path: str


current_origin: ContextVar[RequestOrigin | None] = ContextVar("audit_origin", default=None)


class AuditOriginMiddleware:
    """Remembers where the current request came from while it is being served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_origin.set(RequestOrigin(ip_address=request.META.get("REMOTE_ADDR"), path=request.path[:255]))
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
