"""The Django admin on clinical records: read-only, and every list and record read audited.

The site audits each read and write of clinical data through its services; the admin bypasses
them (its saves write only Django's LogEntry). Clinical records therefore cannot be changed there
at all (edits go through the pages and the API, which validate and audit), and reading them
leaves the same trail as on the site. The patient record stays editable for admins (deactivating
a patient, fixing a portal link), and each change is audited too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction
from audit.services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Audits the change list (which rows were shown) and every record opened or saved."""

    def audit_patient_id(self, obj: models.Model) -> int | None:
        return getattr(obj, "patient_id", None)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            ids = ",".join(str(obj.pk) for obj in changelist.result_list)
            audit_record(actor=request.user, action=AuditAction.LIST, target=self.model, summary=f"admin: ids {ids}")
        return response

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: models.Model | None = None,
    ) -> HttpResponse:
        if obj is not None:
            audit_record(
                actor=request.user,
                action=AuditAction.VIEW,
                target=obj,
                patient_id=self.audit_patient_id(obj),
                summary="admin",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            target=obj,
            patient_id=self.audit_patient_id(obj),
            summary="admin: changed " + ", ".join(form.changed_data),
        )


class ClinicalRecordAdmin(AuditedAdmin):
    """A clinical record: shown, never added, changed or deleted in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class ClinicalRecordInline(admin.TabularInline):
    """Clinical rows shown inside another record's page (audited with that page), read-only."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
