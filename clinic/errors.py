"""The error answers (handler400/403/404/500 in clinic/urls.py): JSON under /api/ and a FHIR
OperationOutcome under /fhir/, so an API client never parses an HTML page; on a page, the site's
own layout and navigation (the reason for a malformed query; a way back from 403 and 404), and
for a 500 a static page that needs neither the database nor a template."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape

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
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if (answer := _json_error(request, 404, "Not found.")) is not None:
        return answer
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No template and no database here: the error may be the database itself.
    if (answer := _json_error(request, 500, "A server error occurred. It has been logged.")) is not None:
        return answer
    return HttpResponseServerError(_static_500_page())


def _static_500_page() -> str:
    """The 500 page as a string: the clinic's stylesheet and links, no template engine, no query.

    The signed-in menu needs the session and permissions (the database), so the page offers the
    start page and sign-in, which each show the menu the user may see.
    """
    try:
        stylesheet = static("css/clinic.css")
    except ValueError:  # a manifest without the file (collectstatic not run): unstyled, still an answer
        stylesheet = ""
    name, phone = escape(settings.CLINIC_NAME), escape(settings.CLINIC_PHONE)
    home, sign_in = reverse("home"), reverse("login")
    link = f'<link rel="stylesheet" href="{escape(stylesheet)}">' if stylesheet else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Something went wrong · {name}</title>{link}</head><body>"
        f'<a class="skip-link" href="#main">Skip to main content</a>'
        f'<header class="topbar"><a class="brand" href="{home}">{name}</a>'
        f'<nav class="nav" aria-label="Main"><a href="{home}">Start page</a><a href="{sign_in}">Sign in</a></nav>'
        f"</header>"
        f'<main class="page" id="main" tabindex="-1"><h1>Something went wrong on our side</h1>'
        f"<p>The error has been logged. Please try again in a moment.</p>"
        f"<p>If it keeps happening, call the clinic on {phone}.</p>"
        f'<p><a class="btn" href="{home}">Back to the start page</a></p></main>'
        f'<footer class="foot">{name} · {phone}</footer></body></html>'
    )
