"""Serializers of the programs API: explicit fields; input and output apart where they differ."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from programs.models import (
    Exercise,
    ExerciseLog,
    Phase,
    PrescribedExercise,
    Prescription,
    Program,
    ProgramExercise,
    ProgressionRuleFields,
    SessionLog,
)

RULE_FIELDS = list(ProgressionRuleFields.RULE_FIELDS)
DOSAGE_FIELDS = ["sets", "reps", "hold_s", "load_kg", "days_per_week"]


class ExerciseOutputSerializer(serializers.ModelSerializer):
    instructions = serializers.ListField(source="instruction_steps", child=serializers.CharField())
    key_cues = serializers.ListField(source="cue_list", child=serializers.CharField())
    common_faults = serializers.ListField(source="fault_list", child=serializers.CharField())
    illustration_url = serializers.CharField(read_only=True)

    class Meta:
        model = Exercise
        fields = [
            "id",
            "name",
            "slug",
            "target",
            "starting_position",
            "instructions",
            "key_cues",
            "common_faults",
            "evidence",
            "default_sets",
            "default_reps",
            "default_hold_s",
            "default_load_kg",
            "load_note",
            "default_days_per_week",
            "easier",
            "harder",
            "illustration_url",
            "is_active",
        ]
        read_only_fields = fields


class ProgramExerciseOutputSerializer(serializers.ModelSerializer):
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)

    class Meta:
        model = ProgramExercise
        fields = ["id", "exercise", "exercise_name", "order", *DOSAGE_FIELDS, "notes"]
        read_only_fields = fields


class PhaseOutputSerializer(serializers.ModelSerializer):
    exercises = ProgramExerciseOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "order", "name", "weeks", "goal", *RULE_FIELDS, "exercises"]
        read_only_fields = fields


class ProgramOutputSerializer(serializers.ModelSerializer):
    phases = PhaseOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "description",
            "is_template",
            "gait_cues",
            "cadence_increase_pct",
            "created_from",
            "created_at",
            "phases",
        ]
        read_only_fields = fields


class ProgramInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    template = serializers.PrimaryKeyRelatedField(queryset=Program.objects.filter(is_template=True), required=False)
    exercises = serializers.PrimaryKeyRelatedField(
        queryset=Exercise.objects.filter(is_active=True), many=True, required=False
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    gait_cues = serializers.CharField(required=False, allow_blank=True, default="")
    cadence_increase_pct = serializers.IntegerField(min_value=1, max_value=15, required=False, allow_null=True)


class PrescribedExerciseOutputSerializer(serializers.ModelSerializer):
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)
    exercise_slug = serializers.CharField(source="exercise.slug", read_only=True)

    class Meta:
        model = PrescribedExercise
        fields = ["id", "exercise", "exercise_name", "exercise_slug", "order", *DOSAGE_FIELDS, "notes"]
        read_only_fields = fields


class PrescriptionOutputSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    phase_name = serializers.CharField(source="phase.name", read_only=True)
    items = PrescribedExerciseOutputSerializer(many=True, read_only=True)
    sessions_per_week = serializers.IntegerField(read_only=True)

    class Meta:
        model = Prescription
        fields = [
            "id",
            "patient",
            "visit",
            "program",
            "program_name",
            "phase",
            "phase_name",
            "version",
            "supersedes",
            "status",
            "starts_on",
            "gait_cues",
            "cadence_baseline_spm",
            "cadence_target_spm",
            "change_reason",
            "prescribed_by",
            "prescribed_at",
            "sessions_per_week",
            *RULE_FIELDS,
            "items",
        ]
        read_only_fields = fields


class PrescriptionInputSerializer(serializers.Serializer):
    """``patient`` and ``visit`` choices are limited by the view to what the user may see."""

    patient = serializers.PrimaryKeyRelatedField(queryset=Prescription.patient.field.related_model.objects.none())  # type: ignore[attr-defined]  # a Patient
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    phase = serializers.PrimaryKeyRelatedField(queryset=Phase.objects.all(), required=False, allow_null=True)
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Prescription.visit.field.related_model.objects.none(),  # type: ignore[attr-defined]  # a Visit
        required=False,
        allow_null=True,
    )
    cadence_baseline_spm = serializers.IntegerField(min_value=100, max_value=240, required=False, allow_null=True)


class DosageChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The prescribed exercise (item) id.")
    sets = serializers.IntegerField(min_value=1, max_value=10, required=False)
    reps = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    hold_s = serializers.IntegerField(min_value=1, max_value=600, required=False, allow_null=True)
    load_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, required=False)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7, required=False)


class PrescriptionReviseSerializer(serializers.Serializer):
    exercises = DosageChangeSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=200)


class ExerciseLogOutputSerializer(serializers.ModelSerializer):
    exercise = serializers.IntegerField(source="item.exercise_id", read_only=True)
    exercise_name = serializers.CharField(source="item.exercise.name", read_only=True)

    class Meta:
        model = ExerciseLog
        fields = [
            "id",
            "item",
            "exercise",
            "exercise_name",
            "sets_done",
            "reps_done",
            "hold_s_done",
            "load_kg",
            "pain_during",
            "note",
        ]
        read_only_fields = fields


class SessionLogOutputSerializer(serializers.ModelSerializer):
    entries = ExerciseLogOutputSerializer(many=True, read_only=True)

    class Meta:
        model = SessionLog
        fields = ["id", "prescription", "patient", "performed_on", "pain_next_morning", "note", "created_at", "entries"]
        read_only_fields = fields


class ExerciseLogInputSerializer(serializers.Serializer):
    exercise = serializers.IntegerField(help_text="Exercise id; it must be part of the prescription.")
    sets_done = serializers.IntegerField(min_value=0, max_value=20)
    reps_done = serializers.IntegerField(min_value=0, max_value=200, required=False, allow_null=True)
    hold_s_done = serializers.IntegerField(min_value=0, max_value=600, required=False, allow_null=True)
    load_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, required=False, default=0)
    pain_during = serializers.IntegerField(min_value=0, max_value=10)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class SessionLogInputSerializer(serializers.Serializer):
    prescription = serializers.IntegerField()
    performed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    pain_next_morning = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    entries = ExerciseLogInputSerializer(many=True, allow_empty=False)

    def validate_performed_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("A session cannot be logged in the future.")
        return value


class NextMorningInputSerializer(serializers.Serializer):
    pain_next_morning = serializers.IntegerField(min_value=0, max_value=10)
