import django_filters

from patients.models import Patient, Visit


class PatientFilter(django_filters.FilterSet):
    class Meta:
        model = Patient
        fields = ["is_active", "sex", "consent_video"]


class VisitFilter(django_filters.FilterSet):
    visit_date_after = django_filters.DateFilter(field_name="visit_date", lookup_expr="gte")
    visit_date_before = django_filters.DateFilter(field_name="visit_date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["patient", "clinician"]
