"""Retention of patients' videos: the original upload and its video renditions are deleted once
older than VIDEO_RETENTION_DAYS; the numbers, keyframes, landmarks and reports stay. The sweep
is a Celery beat task (assessments.tasks.remove_expired_videos), audited and safe to run twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import date as format_date
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditAction
from audit.services import audit_record

# The file fields that hold moving pictures of the patient, the browser rendition included;
# keyframes (stills chosen for the report) and landmarks stay.
VIDEO_FILE_FIELDS = ("video", "preview", "playback")
_RUNNING = (AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING)


def retention_days() -> int:
    """VIDEO_RETENTION_DAYS; 0 keeps every video (the default: deleting is the clinic's decision)."""
    return max(0, int(settings.VIDEO_RETENTION_DAYS or 0))


def retention_reason(days: int) -> str:
    return f"under the clinic's retention policy ({days} days)"


def video_removed_note(assessment: Assessment) -> str:
    """The sentence the result page and the API show in place of the player."""
    when = format_date(timezone.localtime(assessment.video_removed_at), "j M Y")
    return f"The original video was removed on {when} {assessment.video_removed_reason}."


def ensure_video_kept(assessment: Assessment) -> None:
    """Refuse work that needs the original video (re-analysis) once it is gone."""
    if assessment.video_removed_at is not None:
        raise ValidationError(
            {"video": f"{video_removed_note(assessment)} It cannot be analysed again; the result stays."}
        )


@transaction.atomic
def assessment_reanalyse_if_kept(*, assessment: Assessment, requested_by: Any) -> Assessment:
    """services.assessment_reanalyse, refused once the video is gone. The row is locked before
    the check, so the retention sweep cannot remove the video between the check and the queueing.
    (To fold into services.assessment_reanalyse once that module's split has landed.)"""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    ensure_video_kept(locked)
    return services.assessment_reanalyse(assessment=locked, requested_by=requested_by)


def assessment_remove_videos(
    *, assessment_id: int, reason: str, actor: Any = None, now: datetime | None = None
) -> bool:
    """Delete the assessment's video files and record when and why. False if there was nothing to
    do: already removed, gone, or queued/processing (a running job still reads the video).

    Files go first, with the row locked: if the storage fails, nothing is marked and the next
    sweep tries again; if the commit fails after, the next sweep finds the row unmarked and
    deleting an absent file is a no-op. Re-analysis locks the same row, so it cannot queue a
    job in between.
    """
    now = now or timezone.now()
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().filter(pk=assessment_id).first()
        if assessment is None or assessment.video_removed_at is not None or assessment.status in _RUNNING:
            return False
        removed = []
        for field in VIDEO_FILE_FIELDS:
            stored = getattr(assessment, field)
            if stored.name:
                stored.storage.delete(stored.name)
                removed.append(field)
                setattr(assessment, field, "")
        assessment.video_removed_at = now
        assessment.video_removed_reason = reason[:255]
        # Pictures still being drawn from the video (numbers first) are no longer wanted: the
        # render task finds none owed and discards what it drew.
        assessment.pictures_pending = False
        assessment.save(
            update_fields=[
                *VIDEO_FILE_FIELDS,
                "video_removed_at",
                "video_removed_reason",
                "pictures_pending",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=assessment,
            patient_id=assessment.patient_id,
            summary=f"{' and '.join(removed) or 'no'} file(s) removed {reason}",
        )
    return True


def expired_video_ids(*, days: int, now: datetime) -> list[int]:
    """Assessments uploaded more than ``days`` ago whose video is still kept and not in use."""
    return list(
        Assessment.objects.filter(video_removed_at__isnull=True, created_at__lte=now - timedelta(days=days))
        .exclude(status__in=_RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def remove_expired_videos(*, days: int | None = None, now: datetime | None = None) -> list[int]:
    """The sweep: remove every video older than the retention period. Returns the assessments
    whose videos it removed (empty when retention is off or nothing is due)."""
    days = retention_days() if days is None else days
    if days <= 0:
        return []
    now = now or timezone.now()
    reason = retention_reason(days)
    return [
        assessment_id
        for assessment_id in expired_video_ids(days=days, now=now)
        if assessment_remove_videos(assessment_id=assessment_id, reason=reason, now=now)
    ]
