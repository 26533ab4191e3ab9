from django.contrib import admin

from assessments.models import Assessment
from audit.admin_mixins import ClinicalRecordAdmin


@admin.register(Assessment)
class AssessmentAdmin(ClinicalRecordAdmin):
    """Read-only, reads audited: uploads, interpretation and processing go through the pages, API and services."""

    list_display = [
        "id",
        "patient",
        "source",
        "visit",
        "view",
        "status",
        "progress",
        "attempts",
        "analysis_version",
        "created_at",
    ]
    list_filter = ["source", "status", "view", "analysis_version"]
    list_select_related = ["patient", "visit"]
    search_fields = ["patient__last_name", "patient__first_name", "video_sha256"]
