from django.contrib import admin

from audit.admin_mixins import ClinicalRecordAdmin
from exports.models import DataExport


@admin.register(DataExport)
class DataExportAdmin(ClinicalRecordAdmin):
    list_display = ("uid", "patient", "requested_by_label", "status", "requested_at", "expires_at", "downloads")
    list_filter = ("status", "by_athlete")

    def audit_patient_id(self, obj: DataExport) -> int | None:  # type: ignore[override]
        return obj.patient_id
