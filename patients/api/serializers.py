"""Patient and visit serializers: explicit fields; clinical fields only in the clinical ones."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patients.consents import consent_in_force
from patients.models import Complaint, Intake, Patient, VideoConsent, Visit
from patients.services import PATIENT_DEMOGRAPHIC_FIELDS, PATIENT_RUNNING_FIELDS, VISIT_NOTE_FIELDS


class VideoConsentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = VideoConsent
        fields = ["film_and_analyse", "use_in_reports", "wording_version", "recorded_at"]
        read_only_fields = fields


class PatientDemographicsOutputSerializer(serializers.ModelSerializer):
    has_portal_account = serializers.SerializerMethodField()
    video_consent = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = ["id", *PATIENT_DEMOGRAPHIC_FIELDS, "video_consent", "has_portal_account", "is_active"]
        read_only_fields = fields

    def get_has_portal_account(self, patient: Patient) -> bool:
        return patient.user_id is not None

    @extend_schema_field(VideoConsentOutputSerializer(allow_null=True))
    def get_video_consent(self, patient: Patient) -> dict[str, object] | None:
        """The consent in force (patients.consents), or null: uploads are refused without one."""
        in_force = getattr(patient, "consents_in_force", None)  # prefetched by the list view
        consent = (
            max(in_force, key=lambda c: (c.recorded_at, c.pk), default=None)
            if in_force is not None
            else consent_in_force(patient)
        )
        return VideoConsentOutputSerializer(consent).data if consent is not None else None


class ComplaintOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "condition", "body_region", "side", "onset_date", "notes", "is_resolved"]
        read_only_fields = fields


class IntakeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        fields = [
            "inner_leg_scuffs",
            "knees_cave_on_single_leg_squat",
            "pelvis_drops_on_single_leg_stance",
            "uneven_shoe_wear",
            "recent_training_change",
            "notes",
            "updated_at",
        ]


class PatientClinicalOutputSerializer(PatientDemographicsOutputSerializer):
    complaints = ComplaintOutputSerializer(many=True, read_only=True)
    intake = serializers.SerializerMethodField()

    class Meta(PatientDemographicsOutputSerializer.Meta):
        fields = [*PatientDemographicsOutputSerializer.Meta.fields, *PATIENT_RUNNING_FIELDS, "complaints", "intake"]
        read_only_fields = fields

    def get_intake(self, patient: Patient) -> dict | None:
        intake = getattr(patient, "intake", None)
        return IntakeOutputSerializer(intake).data if intake else None


class PatientDemographicsInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = list(PATIENT_DEMOGRAPHIC_FIELDS)


class PatientInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = [*PATIENT_DEMOGRAPHIC_FIELDS, *PATIENT_RUNNING_FIELDS]


class VisitOutputSerializer(serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.get_full_name", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "patient", "clinician", "clinician_name", *VISIT_NOTE_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class VisitInputSerializer(serializers.ModelSerializer):
    """``patient`` choices are limited by the view to patients the user may see."""

    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.none())
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )

    class Meta:
        model = Visit
        fields = ["patient", "clinician", *VISIT_NOTE_FIELDS]
