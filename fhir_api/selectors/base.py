"""The shapes every resource type's selector shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from fhir_api.resources.common import Links
from fhir_api.search import Param, Search


@dataclass(frozen=True)
class Reader:
    """Who is reading, and how to write absolute links in what they get."""

    user: Any
    links: Links


@dataclass(frozen=True)
class Found:
    """One resource read, and what the audit trail records of it."""

    resource: dict[str, Any]
    target: models.Model
    patient_id: int | None


@dataclass
class Page:
    """One page of search results: the resources, the total, and what the audit trail records."""

    resources: list[dict[str, Any]]
    total: int
    model: type[models.Model]
    patient_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Kind:
    """A resource type: who may read it at all, its search parameters, read and search."""

    type: str
    can_read: Callable[[Any], bool]
    params: dict[str, Param]
    read: Callable[[Reader, str], Found | None]
    search: Callable[[Reader, Search], Page]
    # Every resource of one patient, for Patient/$everything.
    of_patient: Callable[[Reader, int], list[dict[str, Any]]]


def params(*items: Param) -> dict[str, Param]:
    return {item.info.name: item for item in items}


def page_of(rows: Any, search: Search) -> Any:
    """The rows of the page asked for (``_offset``, ``_count``) of a queryset or list."""
    return rows[search.offset : search.offset + search.count]
