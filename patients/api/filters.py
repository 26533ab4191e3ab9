import django_filters

from clinic.api import CalendarDateFilter, IdFilter
from patients.models import Patient, Visit


class PatientFilter(django_filters.FilterSet):
    class Meta:
        model = Patient
        fields = ["is_active", "sex"]


class VisitFilter(django_filters.FilterSet):
    # Plain ids, not model choices: an unknown id and another patient's id both give an empty
    # list, so a filter cannot tell which ids exist.
    patient = IdFilter(field_name="patient_id")
    clinician = IdFilter(field_name="clinician_id")
    visit_date_after = CalendarDateFilter(field_name="visit_date", lookup_expr="gte")
    visit_date_before = CalendarDateFilter(field_name="visit_date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["patient", "clinician"]
