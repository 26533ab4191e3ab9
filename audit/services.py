"""Writing to the audit trail. Every read and write of clinical data goes through here."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.context import current_origin
from audit.models import AuditAction, AuditEvent


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    target: models.Model | type[models.Model],
    patient_id: int | None = None,
    summary: str = "",
) -> AuditEvent:
    """Record that ``actor`` did ``action`` on ``target`` (an instance, or a model for lists)."""
    origin = current_origin.get()
    is_instance = isinstance(target, models.Model)
    meta = target._meta
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=getattr(actor, "username", "") or "anonymous",
        action=action,
        target_type=f"{meta.app_label}.{meta.model_name}",
        target_id=str(target.pk) if is_instance else "",
        patient_id=patient_id,
        summary=summary[:255],
        ip_address=origin.ip_address if origin else None,
        path=origin.path if origin else "",
    )
