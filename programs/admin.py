"""Admin for the exercise library and programs; prescriptions and logs are read-only, reads audited."""

from django.contrib import admin

from audit.admin_mixins import ClinicalRecordAdmin
from programs.models import Exercise, Phase, Prescription, Program, ProgramExercise, SessionLog


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "target", "default_sets", "default_reps", "default_hold_s", "is_active"]
    search_fields = ["name", "target"]
    prepopulated_fields = {"slug": ["name"]}


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "is_template", "created_at"]
    inlines = [PhaseInline]


@admin.register(ProgramExercise)
class ProgramExerciseAdmin(admin.ModelAdmin):
    list_display = ["exercise", "phase", "sets", "reps", "hold_s", "load_kg", "days_per_week"]


@admin.register(Prescription)
class PrescriptionAdmin(ClinicalRecordAdmin):
    """A prescription is superseded, never edited; reads are audited."""

    list_display = ["patient", "program", "phase", "version", "status", "starts_on", "prescribed_by"]
    list_filter = ["status"]


@admin.register(SessionLog)
class SessionLogAdmin(ClinicalRecordAdmin):
    """A log is the athlete's own record; reads are audited."""

    list_display = ["patient", "performed_on", "pain_next_morning", "created_at"]
