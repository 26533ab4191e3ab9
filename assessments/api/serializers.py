"""Assessment serializers: explicit fields; staff see the processing state, athletes a summary."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Assessment, CameraView
from patients.models import Visit

SUMMARY_FIELDS = [
    "cpd_left_mean_deg", "cpd_left_sd_deg", "cpd_right_mean_deg", "cpd_right_sd_deg", "n_left", "n_right",
    "mean_cpd_deg", "asymmetry_deg", "cadence_spm",
]  # fmt: skip


class AssessmentSummaryOutputSerializer(serializers.ModelSerializer):
    """What an athlete may read: the numbers of an analysed assessment."""

    visit_date = serializers.DateField(source="visit.visit_date", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "patient", "visit", "visit_date", "view", "analysed_at", "quality_ok", *SUMMARY_FIELDS]
        read_only_fields = fields


class AssessmentOutputSerializer(AssessmentSummaryOutputSerializer):
    flags = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()

    class Meta(AssessmentSummaryOutputSerializer.Meta):
        fields = [
            *AssessmentSummaryOutputSerializer.Meta.fields,
            "status", "progress", "failure_reason", "attempts", "analysis_version", "original_filename",
            "video_sha256", "video_size_bytes", "video_meta", "capture_fps", "queued_at", "started_at", "finished_at",
            "hip_adduction_left_deg", "hip_adduction_right_deg", "fppa_left_deg", "fppa_right_deg",
            "interpretation", "flags", "urls", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_flags(self, assessment: Assessment) -> list[dict]:
        if hasattr(assessment, "quality_flags"):  # a list row (selectors.assessment_list_for)
            return list(assessment.quality_flags or [])
        return assessment.flags

    def get_urls(self, assessment: Assessment) -> dict[str, str]:
        return {
            "page": reverse("assessments:detail", args=[assessment.pk]),
            "video": reverse("assessments:video", args=[assessment.pk]),
            "preview": reverse("assessments:preview", args=[assessment.pk]) if assessment.preview else "",
            "status": reverse("api:assessment-status", args=[assessment.pk]),
            "result": reverse("api:assessment-result", args=[assessment.pk]),
        }


class AssessmentStatusOutputSerializer(serializers.ModelSerializer):
    has_result = serializers.BooleanField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "status", "status_label", "progress", "failure_reason", "attempts", "has_result", "finished_at"]
        read_only_fields = fields


class AssessmentInputSerializer(serializers.Serializer):
    """Multipart upload. ``visit`` choices are limited by the view to visits the user may see."""

    visit = serializers.PrimaryKeyRelatedField(queryset=Visit.objects.none())
    view = serializers.ChoiceField(choices=CameraView.choices, default=CameraView.POSTERIOR)
    video = serializers.FileField(allow_empty_file=True)
    capture_fps = serializers.FloatField(
        required=False, allow_null=True, min_value=1, max_value=1000,
        help_text="Filmed in slow motion? The capture rate in frames per second (for example 120 or 240).",
    )  # fmt: skip
