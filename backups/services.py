"""Back the clinic up into a folder, verify a backup, and restore one into an empty database and
storage (``manage.py backup`` / ``manage.py restore``). README "Backup and restore" says what a
backup holds and how long it takes."""

from __future__ import annotations

import subprocess
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from backups import database, files
from backups.manifest import FILES_DIR, BackupError, DatabaseDump, Manifest, sha256_of_path

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


@dataclass
class Report:
    """What a verification found: empty ``problems`` means everything matched."""

    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def backup_create(*, dest: Path, say: Say = _quiet) -> Manifest:
    """Write the database dump, every stored file and the manifest into the new folder ``dest``.

    The manifest is written last: a folder left by a backup that failed half way has none, and
    restore and --verify refuse it as "not a backup"."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty folder: give a new folder for each backup.")
    dest.mkdir(parents=True, exist_ok=True)
    db_vendor = database.vendor()
    dump_name = database.dump_file_name(db_vendor)
    started = time.perf_counter()
    snapshot = database.dump(dest / dump_name)
    sha256, size = sha256_of_path(dest / dump_name)
    say(
        f"Database ({db_vendor}): {sum(snapshot.tables.values())} rows in {len(snapshot.tables)} tables, "
        f"{size / 1e6:.1f} MB dump, {time.perf_counter() - started:.1f} s"
    )
    # Files after the database: a file written in between is kept although no row names it yet,
    # which is harmless; the other order could miss the video of a row that is in the dump.
    started = time.perf_counter()
    entries = []
    for alias in files.storage_aliases():
        for name in files.names_in(alias):
            try:
                entries.append(files.copy_out(alias, name, dest))
            except FileNotFoundError:  # deleted since it was listed (e.g. by the retention sweep)
                say(f"  skipped {alias}:{name} (deleted while the backup ran)")
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        app_version=_app_version(),
        app_commit=_app_commit(),
        database=DatabaseDump(
            vendor=db_vendor, file=dump_name, size=size, sha256=sha256, server_version=snapshot.server_version
        ),
        tables=snapshot.tables,
        migrations=snapshot.migrations,
        files=entries,
    )
    say(f"Files: {len(entries)} ({manifest.total_bytes / 1e6:.1f} MB), {time.perf_counter() - started:.1f} s")
    manifest.write(dest)
    # A backup is a copy of every record: the trail says when and where to (after the snapshot,
    # so this event is the one row a restore of this backup will not have).
    audit_record(
        actor=None,
        action=AuditAction.EXPORT,
        target=AuditEvent,
        summary=f"backup of {manifest.total_rows} rows and {len(entries)} files to {dest}",
    )
    return manifest


def backup_verify(*, src: Path) -> Report:
    """Check a backup folder against its manifest (dump and every file), without restoring it."""
    src = Path(src)
    manifest = Manifest.read(src)
    report = Report(tables=len(manifest.tables), rows=manifest.total_rows)
    dump = src / manifest.database.file
    if not dump.is_file():
        report.problems.append(f"The database dump {manifest.database.file} is missing.")
    elif sha256_of_path(dump) != (manifest.database.sha256, manifest.database.size):
        report.problems.append(f"The database dump {manifest.database.file} differs from the manifest (damaged).")
    for entry in manifest.files:
        found = files.backup_file_hash(entry, src)
        if found is None:
            report.problems.append(f"Missing from the backup: {entry.storage}:{entry.path}")
        elif found != (entry.sha256, entry.size):
            report.problems.append(f"Damaged in the backup (SHA-256 differs): {entry.storage}:{entry.path}")
        else:
            report.files += 1
            report.bytes += entry.size
    listed = {(entry.storage, entry.path) for entry in manifest.files}
    root = src / FILES_DIR
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            alias, *rest = path.relative_to(root).parts
            if (alias, "/".join(rest)) not in listed:
                report.notes.append(f"Not in the manifest (ignored by restore): {path.relative_to(src)}")
    return report


def target_problems() -> list[str]:
    """Why the connected database and the storages cannot take a restore (empty list: they can)."""
    problems = []
    tables = database.table_names()
    if tables:
        problems.append(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables). "
            "Restore into a new, empty database (PostgreSQL: createdb; SQLite: a path that does not exist)."
        )
    for alias in files.storage_aliases():
        first = next(files.names_in(alias), None)
        if first is not None:
            problems.append(f"The storage {alias!r} is not empty (it holds {first}). Restore into empty storage.")
    return problems


def backup_restore(*, src: Path, say: Say = _quiet) -> Report:
    """Restore the backup in ``src`` into the empty database and storages, then verify the result.

    The backup is checked first, so a damaged one never starts writing.
    """
    src = Path(src)
    manifest = Manifest.read(src)
    started = time.perf_counter()
    checked = backup_verify(src=src)
    if not checked.ok:
        raise BackupError("The backup is damaged, nothing was restored:\n  " + "\n  ".join(checked.problems))
    say(f"Backup checked against its manifest: {time.perf_counter() - started:.1f} s")
    if manifest.database.vendor != database.vendor():
        raise BackupError(
            f"The backup holds a {manifest.database.vendor} database; this site is configured for "
            f"{database.vendor()} (DATABASE_URL)."
        )
    unknown = sorted({entry.storage for entry in manifest.files} - set(files.storage_aliases()))
    if unknown:
        raise BackupError(f"The backup holds files of storages this site does not configure: {', '.join(unknown)}.")
    problems = target_problems()
    if problems:
        raise BackupError("Nothing was restored:\n  " + "\n  ".join(problems))
    started = time.perf_counter()
    database.restore(src / manifest.database.file)
    ContentType.objects.clear_cache()  # ids cached from before the restore would be stale
    say(f"Database restored: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    for entry in manifest.files:
        files.copy_in(entry, src)
    say(
        f"Files restored: {len(manifest.files)} ({manifest.total_bytes / 1e6:.1f} MB), "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    report = restore_verify(manifest=manifest)
    say(f"Verified: {time.perf_counter() - started:.1f} s")
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        target=AuditEvent,
        summary=f"restored from {src} (backup of {manifest.created_at}): "
        + ("verified" if report.ok else f"{len(report.problems)} mismatch(es)"),
    )
    return report


def restore_verify(*, manifest: Manifest) -> Report:
    """Compare the connected database and storages with a manifest: rows per table, migrations,
    and the SHA-256 of every file read back through its storage."""
    report = Report()
    live = database.live_snapshot()
    for table, expected in sorted(manifest.tables.items()):
        found = live.tables.get(table)
        if found is None:
            report.problems.append(f"Table {table} is missing.")
        elif found != expected:
            report.problems.append(f"Table {table}: {found} rows, the backup has {expected}.")
        else:
            report.tables += 1
            report.rows += found
    for table in sorted(set(live.tables) - set(manifest.tables)):
        report.problems.append(f"Table {table} is not in the backup.")
    if live.migrations != manifest.migrations:
        report.problems.append("The applied migrations differ from the backup's.")
    for entry in manifest.files:
        found_file = files.stored_hash(entry.storage, entry.path)
        if found_file is None:
            report.problems.append(f"File missing: {entry.storage}:{entry.path}")
        elif found_file != (entry.sha256, entry.size):
            report.problems.append(f"File differs (SHA-256): {entry.storage}:{entry.path}")
        else:
            report.files += 1
            report.bytes += entry.size
    unapplied = _unapplied_migrations()
    if unapplied:
        report.notes.append(
            f"The code has {len(unapplied)} migration(s) the backup predates "
            f"({', '.join(unapplied[:3])}{', ...' if len(unapplied) > 3 else ''}): run manage.py migrate."
        )
    return report


def _unapplied_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def _app_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607  (git from PATH; an image without git just records "")
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""
