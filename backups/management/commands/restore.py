"""manage.py restore SRC: a backup into an empty database and empty storage, then verified."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backups import services
from backups.manifest import BackupError


def print_report(command: BaseCommand, report: services.Report, *, what: str) -> None:
    for note in report.notes:
        command.stdout.write(f"  note: {note}")
    for problem in report.problems:
        command.stderr.write(f"  MISMATCH: {problem}")
    line = (
        f"{what}: {report.tables} tables, {report.rows} rows, {report.files} files ({report.bytes / 1e6:.1f} MB) match"
    )
    if report.ok:
        command.stdout.write(command.style.SUCCESS(f"{line} the manifest."))
    else:
        command.stderr.write(f"{line}; {len(report.problems)} mismatch(es).")


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup into an EMPTY database (DATABASE_URL) and empty "
        "storage, then compare rows per table and every file's SHA-256 with the backup's manifest. "
        "Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help="the backup folder (holds manifest.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = services.backup_restore(src=options["src"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, what="Restored")
        if not report.ok:
            raise CommandError("The restored data does not match the backup's manifest.")
        self.stdout.write(f"Restore finished in {time.perf_counter() - started:.1f} s.")
