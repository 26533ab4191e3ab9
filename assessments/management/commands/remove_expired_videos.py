"""`manage.py remove_expired_videos [--days N] [--dry-run]`: the retention sweep, by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.services import retention


class Command(BaseCommand):
    help = (
        "Delete the original videos (and previews) uploaded more than VIDEO_RETENTION_DAYS ago, as the "
        "beat sweep does. --dry-run lists what would go, e.g. before turning the policy on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="the retention period (default: VIDEO_RETENTION_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="list the assessments; delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = retention.retention_days() if options["days"] is None else options["days"]
        if days <= 0:
            raise CommandError("Retention is off (VIDEO_RETENTION_DAYS=0): give --days N to use a period.")
        if options["dry_run"]:
            due = retention.expired_video_ids(days=days, now=timezone.now())
            self.stdout.write(f"{len(due)} video(s) older than {days} days would be removed: assessments {due}")
            return
        removed = retention.remove_expired_videos(days=days)
        self.stdout.write(f"Removed the videos of {len(removed)} assessment(s) older than {days} days: {removed}")
