"""Patients in the admin: the record is editable by admins; visits, complaints and intake signs
are read-only there; every read and change is audited (audit/admin_mixins.py)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from audit.admin_mixins import AuditedAdmin, ClinicalRecordAdmin, ClinicalRecordInline
from patients.erasure import patient_erase
from patients.models import Complaint, Intake, Patient, Visit


class ComplaintInline(ClinicalRecordInline):
    model = Complaint


@admin.register(Patient)
class PatientAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "email", "legal_hold", "is_active")
    list_filter = ("is_active", "legal_hold", "sex")
    search_fields = ("first_name", "last_name", "email", "phone")
    raw_id_fields = ("user",)
    inlines = [ComplaintInline]
    readonly_fields = ("erased_at",)
    actions = ["erase_personal_data"]

    @admin.action(description="Erase personal data and media (right to erasure)", permissions=["erase"])
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Patient]) -> HttpResponse | None:
        """A confirmation page asks why; then patients.erasure erases each (a legal hold refuses)."""
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/patients/erase_confirm.html",
                {**self.admin_site.each_context(request), "patients": queryset},
            )
        reason = request.POST.get("reason", "")
        for patient in queryset:
            try:
                patient_erase(patient=patient, erased_by=request.user, reason=reason)
            except ValidationError as exc:
                self.message_user(request, f"Patient {patient.pk}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Patient {patient.pk}: personal data and media erased.", messages.SUCCESS)
        return None

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("patients.erase_patient"))

    def audit_patient_id(self, obj: Patient) -> int | None:  # type: ignore[override]  # audit hook, not the admin method
        return obj.pk

    def has_delete_permission(self, request: HttpRequest, obj: Patient | None = None) -> bool:
        return False  # deleting would take the clinical record with it: deactivate instead


@admin.register(Visit)
class VisitAdmin(ClinicalRecordAdmin):
    list_display = ("patient", "visit_date", "clinician")
    list_filter = ("clinician",)
    date_hierarchy = "visit_date"
    search_fields = ("patient__first_name", "patient__last_name")
    list_select_related = ("patient", "clinician")


@admin.register(Complaint)
class ComplaintAdmin(ClinicalRecordAdmin):
    list_display = ("patient", "condition", "body_region", "side", "is_resolved")
    list_filter = ("condition", "body_region", "is_resolved")
    list_select_related = ("patient",)


@admin.register(Intake)
class IntakeAdmin(ClinicalRecordAdmin):
    list_display = ("patient", "inner_leg_scuffs", "pelvis_drops_on_single_leg_stance")
    list_select_related = ("patient",)
