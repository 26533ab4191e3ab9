"""manage.py backup DEST: the database and every stored file, with a SHA-256 manifest.
manage.py backup --verify SRC: check an existing backup against its manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backups import services
from backups.management.commands.restore import print_report
from backups.manifest import BackupError


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup) and every "
        "stored file into the new folder DEST, with manifest.json (SHA-256 of each file, rows per "
        "table, migrations). With --verify, check the backup in DEST against its manifest instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="a new (or empty) folder for this backup")
        parser.add_argument("--verify", action="store_true", help="verify the backup in DEST; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            if options["verify"]:
                report = services.backup_verify(src=options["dest"])
                print_report(self, report, what="Backup")
                if not report.ok:
                    raise CommandError(f"The backup in {options['dest']} does not match its manifest.")
                return
            manifest = services.backup_create(dest=options["dest"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['dest']} in {time.perf_counter() - started:.1f} s: "
                f"{manifest.total_rows} rows, {len(manifest.files)} files."
            )
        )
