"""Scheduling forms. Choices are scoped to what the signed-in user may see."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from clinic.forms import CalendarDateField
from clinic.query import BadQuery, parse_id
from patients.selectors import patient_queryset_for
from scheduling import selectors
from scheduling.calendar import at_local
from scheduling.models import ExceptionReason, Room, Weekday


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class WhenMixin:
    """A date and a wall-clock time in the clinic's zone, combined into an aware ``starts_at``."""

    def starts_at(self) -> datetime:
        data = self.cleaned_data  # type: ignore[attr-defined]  # mixed into a Form
        return at_local(data["date"], data["time"])


class SlotSearchForm(forms.Form):
    appointment_type: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Type")
    clinician = ClinicianChoiceField(queryset=None, required=False, empty_label="Any clinician")
    date_from = CalendarDateField(widget=DateInput, label="From")
    date_to = CalendarDateField(widget=DateInput, label="To")
    patient = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["appointment_type"]).queryset = selectors.active_appointment_types()
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = selectors.bookable_clinicians()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The end date must not be before the start date.")
            elif (end - start).days > 31:
                self.add_error("date_to", "Search at most 31 days at a time.")
        return data


class BookingForm(WhenMixin, forms.Form):
    patient: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Athlete")
    clinician = ClinicianChoiceField(queryset=None)
    appointment_type: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Type")
    date = CalendarDateField(widget=DateInput)
    time = forms.TimeField(widget=TimeInput, help_text="Clinic time.")
    room = forms.ModelChoiceField(queryset=Room.objects.all(), required=False, empty_label="No room")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        patients = patient_queryset_for(user).filter(is_active=True)
        chosen = str((self.data if self.is_bound else self.initial).get("patient") or "")
        try:
            chosen_id = parse_id(chosen, name="patient")
        except BadQuery:  # "²" or a 30-digit number: no narrowing; the field says what is wrong
            chosen_id = None
        if chosen_id is not None:
            # Booking for a patient picked on the slot search or their record: that one patient
            # is the choice, instead of an <option> for every patient in the clinic.
            patients = patients.filter(pk=chosen_id)
        cast(forms.ModelChoiceField, self.fields["patient"]).queryset = patients
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = selectors.bookable_clinicians()
        cast(forms.ModelChoiceField, self.fields["appointment_type"]).queryset = selectors.active_appointment_types()
        if not Room.objects.exists():
            del self.fields["room"]


class MoveForm(WhenMixin, forms.Form):
    date = CalendarDateField(widget=DateInput)
    time = forms.TimeField(widget=TimeInput, help_text="Clinic time.")
    clinician = ClinicianChoiceField(queryset=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = selectors.bookable_clinicians()


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="For example: athlete is unwell, clinician on leave.")


class FollowUpForm(forms.Form):
    weeks = forms.IntegerField(min_value=1, max_value=26, initial=2)


class WorkingHoursForm(forms.Form):
    clinician = ClinicianChoiceField(queryset=None)
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    start = forms.TimeField(widget=TimeInput)
    end = forms.TimeField(widget=TimeInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = selectors.bookable_clinicians()


class CalendarExceptionForm(forms.Form):
    clinician = ClinicianChoiceField(queryset=None)
    reason = forms.ChoiceField(choices=ExceptionReason.choices)
    first_day = CalendarDateField(widget=DateInput)
    last_day = CalendarDateField(widget=DateInput)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = selectors.bookable_clinicians()
        today = timezone.localdate()
        self.fields["first_day"].initial = today
        self.fields["last_day"].initial = today + timedelta(days=1)
