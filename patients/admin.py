from django.contrib import admin

from patients.models import Complaint, Intake, Patient, Visit


class ComplaintInline(admin.TabularInline):
    model = Complaint
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "email", "consent_video", "is_active")
    list_filter = ("is_active", "consent_video", "sex")
    search_fields = ("first_name", "last_name", "email", "phone")
    raw_id_fields = ("user",)
    inlines = [ComplaintInline]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("patient", "visit_date", "clinician")
    list_filter = ("clinician",)
    date_hierarchy = "visit_date"
    search_fields = ("patient__first_name", "patient__last_name")
    list_select_related = ("patient", "clinician")
    raw_id_fields = ("patient",)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("patient", "condition", "body_region", "side", "is_resolved")
    list_filter = ("condition", "body_region", "is_resolved")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ("patient", "inner_leg_scuffs", "pelvis_drops_on_single_leg_stance")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)
