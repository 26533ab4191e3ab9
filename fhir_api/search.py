"""FHIR search parameters (http://hl7.org/fhir/R4/search.html) turned into database filters.

Each parameter of a resource type is a ``Param``: its FHIR type and documentation (for the
CapabilityStatement) and how one occurrence becomes a criterion. Repeated parameters AND,
comma-separated values OR, as the specification says. An unknown parameter, modifier or prefix,
or a malformed value, is a ``SearchError`` (400 with an OperationOutcome): a client that asked
for a filter we do not apply must not receive unfiltered results.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fhir_api.resources.capability import SearchParamInfo
from fhir_api.resources.common import row_id

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Result parameters the server understands besides the search parameters.
PAGING = ("_count", "_offset")
IGNORED = ("_format", "_pretty")
MAX_OFFSET = 10**9  # beyond any result; keeps the database's OFFSET in range


class SearchError(ValueError):
    """A search the server cannot answer as asked: the client's mistake, a 400."""


Keep = Callable[[int, str], bool]  # (row id, sub-resource key) -> keep it?


@dataclass
class Criterion:
    """What one parameter occurrence selects: rows (``q``) and, for resources several to a row
    (the metrics of an assessment, its keyframes), which of a row's resources (``keep``)."""

    q: Q = field(default_factory=Q)
    keep: Keep | None = None
    keep_ignores_row: bool = False  # ``keep`` looks at the key only (a code), not the row id


@dataclass(frozen=True)
class Param:
    info: SearchParamInfo
    build: Callable[[str, list[str]], Criterion]  # (modifier, values) -> criterion


@dataclass
class Search:
    q: Q
    keeps: list[Keep]
    count: int
    offset: int
    keeps_depend_on_row: bool = False

    def keeps_item(self, row_id: int, key: str) -> bool:
        return all(keep(row_id, key) for keep in self.keeps)


def parse(query: Any, params: dict[str, Param], resource_type: str) -> Search:
    """``query`` is the request's QueryDict. Returns the combined filter and the page asked for."""
    q, keeps, depend_on_row = Q(), [], False
    count, offset = DEFAULT_COUNT, 0
    for key, values in query.lists():
        if key in IGNORED:
            continue
        if key == "_count":
            count = _integer(key, values[-1], maximum=MAX_COUNT)
            continue
        if key == "_offset":
            offset = _integer(key, values[-1])
            continue
        name, _, modifier = key.partition(":")
        if name not in params:
            supported = ", ".join(sorted(params)) or "none"
            raise SearchError(
                f"Unknown search parameter '{name}' for {resource_type}. Supported: {supported}; "
                "plus _count, _offset and _format."
            )
        for value in values:
            if value == "":  # the specification: a parameter without a value is ignored
                continue
            criterion = params[name].build(modifier, value.split(","))
            q &= criterion.q
            if criterion.keep is not None:
                keeps.append(criterion.keep)
                depend_on_row = depend_on_row or not criterion.keep_ignores_row
    return Search(q=q, keeps=keeps, count=count, offset=offset, keeps_depend_on_row=depend_on_row)


def _integer(name: str, value: str, maximum: int | None = None) -> int:
    if not (value.isascii() and value.isdigit()):
        raise SearchError(f"{name} must be a whole number of 0 or more, not '{value}'.")
    number = min(int(value), MAX_OFFSET)
    return min(number, maximum) if maximum is not None else number


def _no_modifier(name: str, modifier: str) -> None:
    if modifier:
        raise SearchError(f"The modifier ':{modifier}' is not supported on '{name}'.")


def _any(qs: Iterable[Q]) -> Q:
    return reduce(or_, qs, Q(pk__in=[]))


# string ---------------------------------------------------------------------------------------


def string_param(name: str, fields: tuple[str, ...], documentation: str) -> Param:
    """Case-insensitive; starts-with by default, ``:exact`` and ``:contains`` as in the specification."""
    lookups = {"": "istartswith", "exact": "exact", "contains": "icontains"}

    def build(modifier: str, values: list[str]) -> Criterion:
        if modifier not in lookups:
            raise SearchError(f"The modifier ':{modifier}' is not supported on '{name}' (use :exact or :contains).")
        lookup = lookups[modifier]
        return Criterion(q=_any(Q(**{f"{f}__{lookup}": v.strip()}) for v in values for f in fields))

    return Param(SearchParamInfo(name, "string", documentation), build)


# token ----------------------------------------------------------------------------------------


def split_token(value: str) -> tuple[str | None, str]:
    """``system|code`` -> (system, code); ``|code`` -> ("", code); ``code`` -> (None, code)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def token_param(name: str, documentation: str, *, system: str, to_criterion: Callable[[list[str]], Criterion]) -> Param:
    """A token whose codes live in ``system``: codes of another system match nothing."""

    def build(modifier: str, values: list[str]) -> Criterion:
        _no_modifier(name, modifier)
        codes = []
        for value in values:
            value_system, code = split_token(value)
            if value_system in (None, system) and code:
                codes.append(code)
        return to_criterion(codes)

    return Param(SearchParamInfo(name, "token", documentation), build)


def id_param(documentation: str, to_criterion: Callable[[list[str]], Criterion]) -> Param:
    def build(modifier: str, values: list[str]) -> Criterion:
        _no_modifier("_id", modifier)
        return to_criterion([v.strip() for v in values])

    return Param(SearchParamInfo("_id", "token", documentation), build)


def pk_criterion(field_name: str) -> Callable[[list[str]], Criterion]:
    """Ids that are row keys; anything else matches nothing."""
    return lambda ids: Criterion(q=Q(**{f"{field_name}__in": [pk for pk in map(row_id, ids) if pk is not None]}))


# reference ------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^(?:https?://[^?#\s]*/)?(?:(?P<type>[A-Z][A-Za-z]+)/)?(?P<id>[A-Za-z0-9\-.]{1,64})$")


def reference_param(name: str, field_name: str, target: str, documentation: str) -> Param:
    """``Patient/12``, ``12`` or an absolute URL ending so; a reference to another type matches nothing."""

    def build(modifier: str, values: list[str]) -> Criterion:
        if modifier not in ("", target):
            raise SearchError(f"'{name}' refers to {target} only (modifier ':{modifier}' given).")
        ids = []
        for value in values:
            match = _REFERENCE.match(value.strip())
            if match is None:
                raise SearchError(f"'{value}' is not a reference (use {target}/<id> or <id>).")
            pk = row_id(match["id"])
            if match["type"] in (None, target) and pk is not None:
                ids.append(pk)
        return Criterion(q=Q(**{f"{field_name}__in": ids}))

    return Param(SearchParamInfo(name, "reference", documentation), build)


# date -----------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def date_range(value: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """(prefix, start, end) of a FHIR date search value: the half-open range its precision spans.

    A value without a time zone is in the clinic's (settings.TIME_ZONE).
    """
    # In a query string an unencoded "+" of "+01:00" arrives as a space.
    match = _DATE.match(value.strip().replace(" ", "+"))
    if match is None:
        raise SearchError(
            f"'{value}' is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm])."
        )
    prefix = match["prefix"] or "eq"
    if prefix == "ap":
        raise SearchError("The date prefix 'ap' (approximately) is not supported; use ge and le.")
    tz: datetime.tzinfo = timezone.get_current_timezone()
    year, month, day = int(match["year"]), int(match["month"] or 1), int(match["day"] or 1)
    try:
        if match["tz"]:  # strptime refuses an offset out of range (-00:60): a 400, not a 500
            tz = datetime.UTC if match["tz"] == "Z" else datetime.datetime.strptime(match["tz"], "%z").tzinfo  # type: ignore[assignment]  # strptime always sets tzinfo for %z
        if match["hour"] is not None:
            second = int(match["second"] or 0)
            start = datetime.datetime(year, month, day, int(match["hour"]), int(match["minute"]), second, tzinfo=tz)
            end = start + datetime.timedelta(seconds=1 if match["second"] else 60)
        elif match["day"]:
            start = datetime.datetime(year, month, day, tzinfo=tz)
            end = start + datetime.timedelta(days=1)
        elif match["month"]:
            start = datetime.datetime(year, month, 1, tzinfo=tz)
            end = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
        else:
            start, end = datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    except (ValueError, OverflowError) as exc:
        raise SearchError(f"'{value}' is not a valid date: {exc}.") from exc
    return prefix, start, end


def _local_date(moment: datetime.datetime) -> tuple[datetime.date, bool]:
    """The clinic-time date of ``moment`` and whether ``moment`` is that date's midnight."""
    local = timezone.localtime(moment)
    return local.date(), local.time() == datetime.time(0)


def _day_field_q(field_name: str, prefix: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    """A date field holds a whole clinic day [d, d+1): the specification's range comparisons."""
    start_date, start_midnight = _local_date(start)
    end_date, _ = _local_date(end)
    first_whole_day = start_date if start_midnight else start_date + datetime.timedelta(days=1)
    eq = Q(**{f"{field_name}__gte": first_whole_day, f"{field_name}__lt": end_date})
    above = Q(**{f"{field_name}__gte": end_date})  # the day reaches past the searched range
    below = Q(**{f"{field_name}__lt": first_whole_day})  # the day starts before it
    return {
        "eq": eq,
        "ne": ~eq,
        "gt": above,
        "lt": below,
        "ge": above | eq,
        "le": below | eq,
        "sa": Q(**{f"{field_name}__gte": end_date if _local_date(end)[1] else end_date + datetime.timedelta(days=1)}),
        "eb": Q(**{f"{field_name}__lt": start_date}),
    }[prefix]


def _instant_field_q(field_name: str, prefix: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    """A datetime field is a point in time."""
    eq = Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return {
        "eq": eq,
        "ne": ~eq,
        "gt": Q(**{f"{field_name}__gte": end}),
        "lt": Q(**{f"{field_name}__lt": start}),
        "ge": Q(**{f"{field_name}__gte": start}),
        "le": Q(**{f"{field_name}__lt": end}),
        "sa": Q(**{f"{field_name}__gte": end}),
        "eb": Q(**{f"{field_name}__lt": start}),
    }[prefix]


def date_param(name: str, field_name: str, documentation: str, *, instant: bool = False) -> Param:
    to_q = _instant_field_q if instant else _day_field_q

    def build(modifier: str, values: list[str]) -> Criterion:
        _no_modifier(name, modifier)
        try:
            return Criterion(q=_any(to_q(field_name, *date_range(v)) for v in values))
        except OverflowError as exc:  # a range at the calendar's edge (year 1 or 9999) in the clinic's zone
            raise SearchError(f"'{','.join(values)}' is out of the range of dates this server can search.") from exc

    return Param(SearchParamInfo(name, "date", documentation), build)
