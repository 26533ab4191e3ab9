import django_filters

from assessments.models import Assessment, AssessmentStatus, CameraView
from clinic.api import IdFilter


class AssessmentFilter(django_filters.FilterSet):
    # Plain ids, not model choices: an unknown id and another patient's id both give an empty list.
    patient = IdFilter(field_name="patient_id")
    visit = IdFilter(field_name="visit_id")
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices)
    view = django_filters.ChoiceFilter(choices=CameraView.choices)

    class Meta:
        model = Assessment
        fields = ["patient", "visit", "status", "view"]
