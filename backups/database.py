"""Dump and restore the database: PostgreSQL with pg_dump/pg_restore (custom format), SQLite
with its online backup API. Each dump also returns the row count of every table and the applied
migrations, read from the very snapshot that was dumped, so the manifest matches the dump even
while the clinic keeps writing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from backups.manifest import BackupError

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
INSTALL_CLIENT = (
    "Install the PostgreSQL client tools, at the server's major version or newer "
    "(Debian/Ubuntu: apt-get install postgresql-client; for a newer server use the PGDG "
    "repository: https://wiki.postgresql.org/wiki/Apt)."
)


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    server_version: str = ""


def vendor() -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def dump_file_name(db_vendor: str) -> str:
    return SQLITE_FILE if db_vendor == "sqlite" else POSTGRES_FILE


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def live_snapshot() -> Snapshot:
    """Row counts and migrations of the connected database (used to verify a restore)."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        return Snapshot(tables=_counts(cursor, connection.ops.quote_name, names), migrations=_migrations(cursor, names))


def dump(target: Path) -> Snapshot:
    """Write the connected database to ``target`` and return what it holds."""
    if vendor() == "sqlite":
        return _dump_sqlite(target)
    return _dump_postgres(target)


def restore(source: Path) -> None:
    """Load a dump into the connected database, which must hold no tables (see ``table_names``)."""
    if vendor() == "sqlite":
        _restore_sqlite(source)
    else:
        _restore_postgres(source)


# --- SQLite --------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> Snapshot:
    # The online backup API copies a consistent image page by page while others keep writing
    # (https://www.sqlite.org/backup.html); a file copy could catch a half-written page.
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        names = [
            row[0]
            for row in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return Snapshot(tables=_counts(cursor, _quote_sqlite, names), migrations=_migrations(cursor, names))
    finally:
        copy.close()


def _restore_sqlite(source: Path) -> None:
    connection.ensure_connection()
    dump = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dump.backup(connection.connection)
    finally:
        dump.close()


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- PostgreSQL ----------------------------------------------------------------------------


def _client(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} was not found. {INSTALL_CLIENT}")
    return path


def _client_env() -> dict[str, str]:
    """libpq's environment variables: the password never appears on a command line."""
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    env["PGDATABASE"] = str(params.get("dbname") or params.get("database") or connection.settings_dict["NAME"])
    if params.get("sslmode"):
        env["PGSSLMODE"] = str(params["sslmode"])
    return env


def _run(arguments: list[str]) -> None:
    result = subprocess.run(arguments, env=_client_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        message = result.stderr.strip() or result.stdout.strip()
        hint = f" {INSTALL_CLIENT}" if "version mismatch" in message else ""
        raise BackupError(f"{Path(arguments[0]).name} failed: {message}{hint}")


def _dump_postgres(target: Path) -> Snapshot:
    pg_dump = _client("pg_dump")
    # pg_dump runs in its own session; it reads the snapshot this transaction exports, so the
    # row counts below describe exactly the rows in the dump.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server_version = cursor.fetchone()
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"])
        names = sorted(connection.introspection.table_names(cursor))
        return Snapshot(
            tables=_counts(cursor, connection.ops.quote_name, names),
            migrations=_migrations(cursor, names),
            server_version=server_version,
        )


def _restore_postgres(source: Path) -> None:
    # One transaction: a failed restore leaves the database empty, not half filled. Owners and
    # grants are the new server's (the clinic's role may have another name there).
    _run(
        [
            _client("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_client_env()['PGDATABASE']}",
            str(source),
        ]
    )


# --- Shared --------------------------------------------------------------------------------


def _counts(cursor, quote, names: Iterable[str]) -> dict[str, int]:
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608  (names from the catalogue)
        counts[name] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor, names: Iterable[str]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    if "django_migrations" not in names:  # a database never migrated
        return applied
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied
