"""Form helpers shared by the apps' pages."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from clinic.query import EARLIEST_DATE, LATEST_DATE


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside its field, or above the form."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def service_error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one sentence, for a message or a JSON answer (no form)."""
    return " ".join(message for messages in exc.message_dict.values() for message in messages)


class CalendarDateField(forms.DateField):
    """A date the calendar can hold (clinic/query.py's bounds): near year 1 or 9999 a week or a
    time zone added to it overflows, a 500 instead of a message."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                f"Choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="out_of_range"
            )


class CalendarDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time (the API's filters) whose date the calendar can hold."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not EARLIEST_DATE <= value.date() <= LATEST_DATE:
            raise ValidationError(
                f"Choose a time between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="out_of_range"
            )
