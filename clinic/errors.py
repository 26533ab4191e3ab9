"""The error answers (handler400/403/404/500 in clinic/urls.py): JSON under /api/ and a FHIR
OperationOutcome under /fhir/, so an API client never parses an HTML page, and the reason for a
malformed query on a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from clinic.query import BadQuery

API_PREFIX = "/api/"
FHIR_PREFIX = "/fhir/"
# FHIR's issue-type codes (http://hl7.org/fhir/R4/valueset-issue-type.html) for these statuses.
FHIR_ISSUE_CODES = {400: "invalid", 403: "forbidden", 404: "not-found", 500: "exception"}


def _json_error(request: HttpRequest, status: int, detail: str) -> JsonResponse | None:
    """The error as an API client reads it, or None for a page."""
    if request.path.startswith(FHIR_PREFIX):
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": FHIR_ISSUE_CODES[status], "diagnostics": detail}],
        }
        return JsonResponse(outcome, status=status, content_type="application/fhir+json; charset=utf-8")
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=status)
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Only our own parser's messages are shown; others (a disallowed host, ...) stay generic.
    reason = str(exception) if isinstance(exception, BadQuery) else "The request was malformed."
    if (answer := _json_error(request, 400, reason)) is not None:
        return answer
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if (answer := _json_error(request, 403, "You do not have permission to perform this action.")) is not None:
        return answer
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if (answer := _json_error(request, 404, "Not found.")) is not None:
        return answer
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # No template and no database here: the error may be the database itself.
    if (answer := _json_error(request, 500, "A server error occurred. It has been logged.")) is not None:
        return answer
    return defaults.server_error(request)
