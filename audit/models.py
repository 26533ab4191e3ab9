"""Who read or changed which clinical record, when, and from where. Append-only."""

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The label survives the user's deletion; the foreign key is for filtering.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64, help_text="app_label.model of the record")
    target_id = models.CharField(max_length=64, blank=True)
    # A plain integer, not a foreign key: the trail outlives the patient row.
    patient_id = models.BigIntegerField(null=True, db_index=True)
    summary = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    path = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # Only "view": the add/change/delete permissions Django creates are granted to no role.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target_type}#{self.target_id}"
