"""Query-string values read one safe way: an id the database can hold, a date the calendar can
hold, text without NUL (refused for every route by the middleware below). A malformed value is
the client's mistake: ``BadQuery``, a 400 that names the parameter (clinic/errors.py), never a
500 from deeper down.

Why each bound: an id past BIGINT raises in SQLite's driver (OverflowError) and as a bound
bigint on PostgreSQL (DataError); a date near year 1 or 9999 overflows once a week or a time
zone is added to it; PostgreSQL refuses a NUL character in any text value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from urllib.parse import unquote

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_date

from clinic.converters import DB_INT_MAX

# Far beyond any visit or appointment, and far enough from date.min/date.max that a week, a
# month or a UTC offset added to it stays a date.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


class BadQuery(BadRequest):
    """A malformed query value; its message is shown to the client."""


def parse_id(value: str | None, *, name: str) -> int | None:
    """An id from the client: None when absent or empty, else 1..BIGINT max or BadQuery.

    ``str.isdigit`` is not enough: it is True for "²", which ``int()`` refuses."""
    value = (value or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or not 0 < int(value) <= DB_INT_MAX:
        raise BadQuery(f"{name}: expected a record id (a positive whole number).")
    return int(value)


def parse_calendar_date(value: str | None, *, name: str) -> date | None:
    """An ISO date (YYYY-MM-DD) between EARLIEST_DATE and LATEST_DATE; None when absent or empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:  # well formed but not on the calendar: 2026-02-30
        parsed = None
    if parsed is None:
        raise BadQuery(f"{name}: expected a real date as YYYY-MM-DD.")
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise BadQuery(f"{name}: choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
    return parsed


def query_id(query: Mapping[str, str], name: str) -> int | None:
    return parse_id(query.get(name), name=name)


def query_date(query: Mapping[str, str], name: str) -> date | None:
    return parse_calendar_date(query.get(name), name=name)


def query_text(query: Mapping[str, str], name: str, *, max_length: int = 100) -> str:
    """Free text (a search), trimmed, at most ``max_length`` characters (NUL never gets here)."""
    return query.get(name, "").strip()[:max_length]


class RefuseNulInQueryMiddleware:
    """A NUL anywhere in the query string is a 400, for every route (the admin's searches and
    filters included): PostgreSQL cannot hold one in text, and psycopg2 raises ValueError ("A
    string literal cannot contain NUL") the moment a filter carries it, a 500 that SQLite never
    shows. Form and serializer fields already refuse NUL in bodies (Django's and DRF's
    CharField); path values either cannot hold one (dbint, slug) or never reach a text column
    (the reset link's uid and token)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            raise BadQuery("Query values may not contain NUL characters.")
        return self.get_response(request)
