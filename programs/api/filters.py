"""Filters of the programs API: plain ids, so an unknown id and another patient's give the same
empty list and a filter cannot tell which ids exist."""

import django_filters

from clinic.api import IdFilter
from programs.models import Prescription, SessionLog


class PrescriptionFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = Prescription
        fields = ["patient", "status"]


class SessionLogFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    prescription = IdFilter(field_name="prescription_id")

    class Meta:
        model = SessionLog
        fields = ["patient", "prescription"]
