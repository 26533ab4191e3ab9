import django_filters

from clinic.api import CalendarDateFilter, CalendarDateTimeFilter, IdFilter
from scheduling.models import Appointment


class AppointmentFilter(django_filters.FilterSet):
    """``starts_after``/``starts_before`` take a date or an ISO datetime (clinic time when naive)."""

    # Plain ids, not model choices: an unknown id and one the user may not see both give an
    # empty list, so a filter cannot tell which patients or people exist.
    patient = IdFilter(field_name="patient_id")
    clinician = IdFilter(field_name="clinician_id")
    starts_after = CalendarDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = CalendarDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    date_from = CalendarDateFilter(field_name="starts_at", lookup_expr="date__gte")
    date_to = CalendarDateFilter(field_name="starts_at", lookup_expr="date__lte")

    class Meta:
        model = Appointment
        fields = ["clinician", "patient", "status", "appointment_type"]
