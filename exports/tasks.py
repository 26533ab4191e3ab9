"""Celery tasks: build one data export, delete expired ones. Thin: rules live in exports.services."""

from __future__ import annotations

import logging

from celery import shared_task

from exports import services
from exports.models import DataExport

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def build_export(export_id: int) -> str:
    try:
        export = services.export_build(export_id=export_id)
    except Exception:
        logger.exception("data export %s failed", export_id)
        export = DataExport.objects.filter(pk=export_id).first()
        if export is not None:
            services.export_fail(export=export, reason="an internal error while building the zip")
        return "failed"
    return export.status if export else "missing"


@shared_task(acks_late=True)
def remove_expired_exports() -> list[int]:
    """Periodic (CELERY_BEAT_SCHEDULE): delete zips past EXPORT_LINK_TTL_S."""
    return services.remove_expired_exports()
