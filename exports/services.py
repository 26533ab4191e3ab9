"""Data exports (right of access): request one, build it (worker), hand out and check its signed
link, sweep expired ones. Every step is audited: request, build, download, expiry.

Who may export: the athlete their own record ("Download my data"); clinicians any patient
("Export patient", permission exports.export_patient). The front desk may not: the zip is clinical.
The link is a TimestampSigner token of the export's uid that stops working after
EXPORT_LINK_TTL_S; the download view also requires the person who asked to be signed in.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from exports.build import build_export_zip
from exports.models import DataExport, ExportStatus
from patients.models import Patient

logger = logging.getLogger(__name__)
_SALT = "exports.download"


def link_ttl_s() -> int:
    return max(60, int(settings.EXPORT_LINK_TTL_S))


def _label(user: Any) -> str:
    return getattr(user, "username", "") or "system"


def may_export(user: Any, patient: Patient) -> bool:
    if getattr(user, "is_authenticated", False) and patient.user_id == user.pk:
        return True  # the athlete's own record
    return bool(user.has_perm("exports.export_patient"))


@transaction.atomic
def export_request(*, patient: Patient, requested_by: Any) -> DataExport:
    """Queue the build of a zip of the patient's data for ``requested_by`` (the worker builds it)."""
    if not may_export(requested_by, patient):
        raise PermissionDenied("Only the athlete and their clinicians can export this record.")
    if patient.erased_at is not None:
        raise PermissionDenied("This patient's personal data was erased; there is nothing to export.")
    export = DataExport.objects.create(
        patient=patient,
        requested_by=requested_by,
        requested_by_label=_label(requested_by),
        by_athlete=patient.user_id == requested_by.pk,
    )
    audit_record(
        actor=requested_by,
        action=AuditAction.CREATE,
        target=export,
        patient_id=patient.pk,
        summary="data export requested" + (" by the athlete" if export.by_athlete else ""),
    )
    from exports.tasks import build_export

    transaction.on_commit(lambda: build_export.delay(export.pk), robust=True)
    return export


def export_build(*, export_id: int) -> DataExport | None:
    """Build the zip of a queued export (idempotent: a ready, failed or expired one is left)."""
    export = DataExport.objects.select_related("patient", "requested_by").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.QUEUED:
        return export
    user = export.requested_by
    if user is None or not user.is_active or not may_export(user, export.patient):
        return export_fail(export=export, reason="the person who asked can no longer read this record")
    now = timezone.now()
    with tempfile.TemporaryDirectory(prefix="stride-export-") as work:
        target = Path(work) / "export.zip"
        build_export_zip(
            patient=export.patient, user=user, target=target, exported_at=now.isoformat(timespec="seconds")
        )
        size = target.stat().st_size
        with target.open("rb") as fh:
            export.file.save(f"exports/{export.uid}/stride-export-{export.patient_id}.zip", File(fh), save=False)
    stored = export.file.name or ""
    updated = DataExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.READY,
        file=stored,
        size_bytes=size,
        built_at=now,
        expires_at=now + timedelta(seconds=link_ttl_s()),
    )
    if not updated:  # another run finished it first: this copy is not referenced
        export.file.storage.delete(stored)
    else:
        audit_record(
            actor=None,
            action=AuditAction.EXPORT,
            target=export,
            patient_id=export.patient_id,
            summary=f"data export built for {export.requested_by_label}: {size} bytes",
        )
    export.refresh_from_db()
    return export


def export_fail(*, export: DataExport, reason: str) -> DataExport:
    DataExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.FAILED, failure_reason=reason[:255]
    )
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=export,
        patient_id=export.patient_id,
        summary=f"data export failed: {reason}",
    )
    export.refresh_from_db()
    return export


def export_token(export: DataExport) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(export.uid))


class LinkExpired(Exception):
    """The link is older than EXPORT_LINK_TTL_S, or the zip is gone (HTTP 410)."""


def export_for_download(*, token: str, user: Any) -> DataExport:
    """The export a link names, for its requester: LinkExpired when too old, DataExport.DoesNotExist
    when forged, altered or someone else's (one answer: a link shown to no one else opens nothing)."""
    try:
        uid = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=link_ttl_s())
    except signing.SignatureExpired as exc:
        raise LinkExpired("This download link has expired. Ask for a new export.") from exc
    except signing.BadSignature as exc:
        raise DataExport.DoesNotExist from exc
    export = DataExport.objects.filter(uid=uid, requested_by=user).select_related("patient").first()
    if export is None:
        raise DataExport.DoesNotExist
    if export.status != ExportStatus.READY or (export.expires_at and export.expires_at <= timezone.now()):
        raise LinkExpired("This export is no longer available. Ask for a new export.")
    return export


def export_record_download(*, export: DataExport, user: Any) -> None:
    DataExport.objects.filter(pk=export.pk).update(downloads=export.downloads + 1)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        target=export,
        patient_id=export.patient_id,
        summary=f"data export downloaded ({export.size_bytes} bytes)",
    )


def remove_expired_exports(*, now: Any = None) -> list[int]:
    """Delete the zips of exports past their expiry (beat task); the rows stay, marked expired."""
    now = now or timezone.now()
    removed = []
    for export in DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        name = export.file.name
        if name:
            export.file.storage.delete(name)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="")
        audit_record(
            actor=None,
            action=AuditAction.DELETE,
            target=export,
            patient_id=export.patient_id,
            summary="expired data export deleted",
        )
        removed.append(export.pk)
    return removed
