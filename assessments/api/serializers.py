"""Assessment serializers: explicit fields; staff see the processing state, athletes a summary."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Assessment, CameraView
from patients.models import Visit

SUMMARY_FIELDS = [
    "cpd_left_mean_deg",
    "cpd_left_sd_deg",
    "cpd_right_mean_deg",
    "cpd_right_sd_deg",
    "n_left",
    "n_right",
    "mean_cpd_deg",
    "asymmetry_deg",
    "cadence_spm",
]


# Every metric column: null in the output when the result may not show numbers.
METRIC_FIELDS = [
    *SUMMARY_FIELDS,
    "hip_adduction_left_deg",
    "hip_adduction_right_deg",
    "fppa_left_deg",
    "fppa_right_deg",
]


class AssessmentSummaryOutputSerializer(serializers.ModelSerializer):
    """What an athlete may read: the numbers of an analysed assessment that counts (measurable,
    or accepted by the clinician); others come with their state and null numbers."""

    # The visit's date; for a self-check accepted into the trend (``source`` "self_check", no visit)
    # the day the athlete sent it.
    visit_date = serializers.DateField(source="measured_on", read_only=True)
    quality_status = serializers.CharField(read_only=True)
    included = serializers.BooleanField(source="counts", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "patient",
            "source",
            "visit",
            "visit_date",
            "view",
            "analysed_at",
            "quality_ok",
            "quality_status",
            "included",
            *SUMMARY_FIELDS,
        ]
        read_only_fields = fields

    def shows_numbers(self, assessment: Assessment) -> bool:
        return assessment.counts

    def to_representation(self, assessment: Assessment) -> dict[str, Any]:
        data = super().to_representation(assessment)
        if not self.shows_numbers(assessment):
            for name in METRIC_FIELDS:
                if name in data:
                    data[name] = None
        return data


class AssessmentOutputSerializer(AssessmentSummaryOutputSerializer):
    """Staff: low-confidence numbers come with their reasons; not-measurable ones are null."""

    flags = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()
    quality_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    accepted_by = serializers.StringRelatedField(read_only=True)

    class Meta(AssessmentSummaryOutputSerializer.Meta):
        fields = [
            *AssessmentSummaryOutputSerializer.Meta.fields,
            "quality_reasons",
            "accepted_by",
            "accepted_at",
            "acceptance_note",
            "of_record_at",
            "status",
            "progress",
            "pictures_pending",
            "failure_reason",
            "attempts",
            "analysis_version",
            "original_filename",
            "video_sha256",
            "video_size_bytes",
            "video_meta",
            "capture_fps",
            "queued_at",
            "started_at",
            "finished_at",
            "hip_adduction_left_deg",
            "hip_adduction_right_deg",
            "fppa_left_deg",
            "fppa_right_deg",
            "interpretation",
            "flags",
            "urls",
            "created_at",
            "video_removed_at",
            "video_removed_reason",
        ]
        read_only_fields = fields

    def shows_numbers(self, assessment: Assessment) -> bool:
        return assessment.shows_numbers

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_flags(self, assessment: Assessment) -> list[dict]:
        return assessment.flags  # a list row's flags are annotated (selectors.assessment_list_for)

    def get_urls(self, assessment: Assessment) -> dict[str, str]:
        return {
            "page": reverse("assessments:detail", args=[assessment.pk]),
            # Empty once the video is removed (retention): see video_removed_at and video_removed_reason.
            "video": reverse("assessments:video", args=[assessment.pk]) if assessment.video else "",
            "preview": reverse("assessments:preview", args=[assessment.pk]) if assessment.preview else "",
            # The upright H.264 copy of an original browsers cannot play (HEVC, MPEG-4 Part 2, ...).
            "playback": reverse("assessments:playback", args=[assessment.pk]) if assessment.playback else "",
            "status": reverse("api:assessment-status", args=[assessment.pk]),
            "result": reverse("api:assessment-result", args=[assessment.pk]),
        }


class AssessmentStatusOutputSerializer(serializers.ModelSerializer):
    has_result = serializers.BooleanField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "status",
            "status_label",
            "progress",
            "failure_reason",
            "attempts",
            "has_result",
            "finished_at",
            # Numbers first: true while keyframes, preview and playable copy are still being drawn.
            "pictures_pending",
        ]
        read_only_fields = fields


class AssessmentInputSerializer(serializers.Serializer):
    """Multipart upload. ``visit`` choices are limited by the view to visits the user may see."""

    visit = serializers.PrimaryKeyRelatedField(queryset=Visit.objects.none())
    view = serializers.ChoiceField(choices=CameraView.choices, default=CameraView.POSTERIOR)
    video = serializers.FileField(allow_empty_file=True)
    capture_fps = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=1000,
        help_text="Filmed in slow motion? The capture rate in frames per second (for example 120 or 240).",
    )


class SelfCheckAthleteOutputSerializer(serializers.Serializer):
    """A self-check as its athlete reads it (``selectors.AthleteSelfCheck``): its state, and only
    after a clinician's review their words and, for a result that counts, the numbers."""

    id = serializers.IntegerField(source="assessment.pk")
    view = serializers.CharField(source="assessment.view")
    sent_at = serializers.DateTimeField(source="assessment.created_at")
    state = serializers.ChoiceField(choices=["analysing", "waiting_for_review", "reviewed"])
    state_text = serializers.CharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.CharField()
    comment = serializers.CharField()
    in_trend = serializers.BooleanField()
    summary = serializers.CharField()
    cpd_left_mean_deg = serializers.FloatField(allow_null=True)
    cpd_right_mean_deg = serializers.FloatField(allow_null=True)
    mean_cpd_deg = serializers.FloatField(allow_null=True)
    cadence_spm = serializers.FloatField(allow_null=True)


class SelfCheckOutputSerializer(AssessmentOutputSerializer):
    """Staff: the whole result, plus the review."""

    reviewed_by = serializers.StringRelatedField(read_only=True)
    in_trend_by = serializers.StringRelatedField(read_only=True)

    class Meta(AssessmentOutputSerializer.Meta):
        fields = [
            *AssessmentOutputSerializer.Meta.fields,
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "in_trend_by",
            "in_trend_at",
        ]
        read_only_fields = fields


class SelfCheckInputSerializer(serializers.Serializer):
    """An athlete's self-check (multipart): the clip, the view, and a slow-motion capture rate."""

    view = serializers.ChoiceField(choices=CameraView.choices, default=CameraView.POSTERIOR)
    video = serializers.FileField(allow_empty_file=True)
    capture_fps = serializers.FloatField(required=False, allow_null=True, min_value=1, max_value=1000)


class SelfCheckReviewInputSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="Your words to the athlete; they read them with the result.")
    add_to_trend = serializers.BooleanField(
        default=False, help_text="Accept into the trend: it then counts as a measurement, labelled as a self-check."
    )
