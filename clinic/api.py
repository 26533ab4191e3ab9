"""API plumbing shared by every app: errors become 4xx with a message, never a 500."""

from datetime import date, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.converters import DB_INT_MAX
from clinic.forms import CalendarDateField, CalendarDateTimeField
from clinic.query import EARLIEST_DATE, LATEST_DATE


def exception_handler(exc: Exception, context: dict) -> Response | None:
    # Services validate with model.full_clean(); their errors are the client's, not the server's.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    # An authenticator that declined a credential it recognised leaves its reason on the request
    # (accounts.api.authentication: a staff session without its two-factor code); "credentials
    # were not provided" would mislead the person, who is signed in, so the reason is answered.
    refusal = getattr(context.get("request"), "authentication_refusal", None)
    if isinstance(exc, exceptions.NotAuthenticated) and isinstance(refusal, exceptions.APIException):
        exc = refusal
    return drf_exception_handler(exc, context)


# Filters for the apps' filter sets: the values a query string may carry to the database.
# django-filter's NumberFilter parses a Decimal of any size, and a foreign-key lookup with
# 10**30 overflows in the driver (a 500); these answer a 400 with the reason instead.


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number from 1 to the BIGINT maximum."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", DB_INT_MAX)
        super().__init__(*args, **kwargs)


class CalendarDateFilter(django_filters.DateFilter):
    field_class = CalendarDateField


class CalendarDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = CalendarDateTimeField


def calendar_date(value: date) -> None:
    """A serializer field validator (``validators=[calendar_date]``) for dates and date-times:
    the bounds of clinic/query.py, so that adding a duration or a week cannot overflow."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise exceptions.ValidationError(f"Choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
