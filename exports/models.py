"""A patient's data export: one zip built by a worker, downloadable through a signed link until
it expires (EXPORT_LINK_TTL_S), then deleted by the sweep."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from assessments.models import private_storage


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DataExport(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_by_label = models.CharField(max_length=150)
    # "Download my data" (the athlete's own request) or "Export patient" (a clinician's).
    by_athlete = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    file = models.FileField(storage=private_storage, max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        permissions = [("export_patient", "Can export a patient's whole record")]

    def __str__(self) -> str:
        return f"Export {self.uid} of patient {self.patient_id}"
