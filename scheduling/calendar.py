"""Clinic wall-clock helpers: the clinic's zone (settings.TIME_ZONE, via zoneinfo) and formatting.

Appointments are stored in UTC; working hours are wall-clock times in the clinic's zone, so a
09:00 start stays 09:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, clinic_zone())


def at_local(day: date, clock: time) -> datetime:
    """The aware instant of a wall-clock time on a day in the clinic (fold 0 on repeated hours)."""
    return datetime.combine(day, clock, tzinfo=clinic_zone())


def as_aware(moment: datetime) -> datetime:
    """Naive datetimes are read as clinic wall-clock time."""
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=clinic_zone())
    return moment


def describe_span(starts_at: datetime, ends_at: datetime) -> str:
    """'Tue 1 Dec 2026, 10:00-10:30' in clinic time."""
    start, end = local(starts_at), local(ends_at)
    return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}-{end:%H:%M}"
