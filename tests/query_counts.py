"""Asserting that a page or API list costs the same number of queries however much it shows.

A page that runs one query per row (N+1) is fast in a demo and slow in a clinic with hundreds of
patients; comparing the count with a few rows and with ten times more catches it, and a budget
per page keeps the fixed part from creeping up unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

FEW, MANY = 2, 20


def _get(client: Any, url: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response, [query["sql"] for query in queries.captured_queries]


def assert_fixed_queries(client: Any, url: str | Callable[[], str], *, add: Callable[[int], Any], budget: int) -> Any:
    """GET ``url`` after ``add(FEW)`` rows and again after ``add`` brought them to ``MANY``: the
    query count must be the same, and at most ``budget``. Returns the second response."""
    link = url if callable(url) else (lambda: url)
    add(FEW)
    _get(client, link())  # process-wide caches (content types, templates) fill on a first request
    _, few = _get(client, link())
    add(MANY - FEW)
    response, many = _get(client, link())
    assert len(few) == len(many), (
        f"{link()}: {len(few)} queries with {FEW} rows but {len(many)} with {MANY} (one query per row?):\n"
        + "\n".join(many)
    )
    assert len(many) <= budget, f"{link()}: {len(many)} queries, over its budget of {budget}:\n" + "\n".join(many)
    return response
