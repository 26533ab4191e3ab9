"""The error answers (handler400/403/404/500 in clinic/urls.py): JSON under /api/, so an API
client never parses an HTML page, and the reason for a malformed query on a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from clinic.query import BadQuery

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Only our own parser's messages are shown; others (a disallowed host, ...) stay generic.
    reason = str(exception) if isinstance(exception, BadQuery) else "The request was malformed."
    if _is_api(request):
        return JsonResponse({"detail": reason}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # No template and no database here: the error may be the database itself.
    if _is_api(request):
        return JsonResponse({"detail": "A server error occurred. It has been logged."}, status=500)
    return defaults.server_error(request)
