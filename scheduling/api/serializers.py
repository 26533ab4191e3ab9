"""Appointment serializers: explicit fields; demographics and schedule only, nothing clinical."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from clinic.api import calendar_date
from patients.models import Patient
from scheduling.models import Appointment, AppointmentType, Room


class AppointmentOutputSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    clinician_name = serializers.SerializerMethodField()
    appointment_type_name = serializers.CharField(source="appointment_type.name", read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True, default=None)
    rescheduled_to = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "patient_name",
            "clinician",
            "clinician_name",
            "appointment_type",
            "appointment_type_name",
            "room",
            "room_name",
            "starts_at",
            "ends_at",
            "status",
            "cancel_reason",
            "rescheduled_from",
            "rescheduled_to",
            "reminder_sent_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_clinician_name(self, appointment: Appointment) -> str:
        return appointment.clinician.get_full_name() or appointment.clinician.username

    def get_rescheduled_to(self, appointment: Appointment) -> int | None:
        successor = getattr(appointment, "rescheduled_to", None)
        return successor.pk if successor else None


class AppointmentBookInputSerializer(serializers.Serializer):
    """``patient`` choices are limited by the view to patients the user may see."""

    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.none())
    clinician = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    appointment_type = serializers.PrimaryKeyRelatedField(queryset=AppointmentType.objects.filter(is_active=True))
    room = serializers.PrimaryKeyRelatedField(queryset=Room.objects.all(), required=False, allow_null=True)
    starts_at = serializers.DateTimeField(validators=[calendar_date])
    duration_min = serializers.IntegerField(min_value=5, max_value=480, required=False)


class AppointmentMoveInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(validators=[calendar_date])
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )
    room = serializers.PrimaryKeyRelatedField(queryset=Room.objects.all(), required=False, allow_null=True)
    duration_min = serializers.IntegerField(min_value=5, max_value=480, required=False)


class AppointmentCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class SlotQuerySerializer(serializers.Serializer):
    appointment_type = serializers.PrimaryKeyRelatedField(queryset=AppointmentType.objects.filter(is_active=True))
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )
    date_from = serializers.DateField(validators=[calendar_date])
    date_to = serializers.DateField(required=False, validators=[calendar_date])

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("date_to", attrs["date_from"])
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date must not be before the start date."})
        if (attrs["date_to"] - attrs["date_from"]).days > 31:
            raise serializers.ValidationError({"date_to": "Search at most 31 days at a time."})
        return attrs


class SlotOutputSerializer(serializers.Serializer):
    clinician = serializers.IntegerField(source="clinician.pk")
    clinician_name = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def get_clinician_name(self, slot: object) -> str:
        clinician = slot.clinician  # type: ignore[attr-defined]  # a Slot
        return clinician.get_full_name() or clinician.username


class AppointmentTypeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentType
        fields = ["id", "name", "default_duration_min", "is_active"]
        read_only_fields = fields
