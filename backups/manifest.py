"""What a backup holds, written next to it as ``manifest.json``: the database dump, every stored
file with its SHA-256, the row count of every table and the migration state at dump time."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

MANIFEST_NAME = "manifest.json"
FILES_DIR = "files"
# Bumped when the layout changes; restore refuses a format it does not know.
FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be written, read or restored; the message says why and what to do."""


@dataclass(frozen=True)
class FileEntry:
    storage: str  # the alias in settings.STORAGES
    path: str  # the name inside that storage (POSIX separators)
    size: int
    sha256: str


@dataclass(frozen=True)
class DatabaseDump:
    vendor: str  # "sqlite" or "postgresql"
    file: str  # relative to the backup folder
    size: int
    sha256: str
    server_version: str = ""


@dataclass
class Manifest:
    created_at: str
    app_version: str
    app_commit: str
    database: DatabaseDump
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    files: list[FileEntry] = field(default_factory=list)
    format: int = FORMAT

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.files)

    def write(self, folder: Path) -> None:
        (folder / MANIFEST_NAME).write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST_NAME
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            raise BackupError(f"{folder} is not a backup: it has no {MANIFEST_NAME}.") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} cannot be read: {exc}") from exc
        if data.get("format") != FORMAT:
            raise BackupError(f"{path} has format {data.get('format')!r}; this version reads format {FORMAT}.")
        try:
            manifest = cls(
                created_at=data["created_at"],
                app_version=data["app_version"],
                app_commit=data["app_commit"],
                database=DatabaseDump(**data["database"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                migrations={str(k): list(v) for k, v in data["migrations"].items()},
                files=[FileEntry(**entry) for entry in data["files"]],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"{path} is incomplete or damaged ({exc}).") from exc
        for entry in manifest.files:
            check_relative(entry.path)
        check_relative(manifest.database.file)
        return manifest


def check_relative(name: str) -> str:
    """A manifest path must stay inside its folder: a damaged or crafted manifest must not make
    restore read or write elsewhere."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"The manifest names an unsafe path: {name!r}.")
    return name


def sha256_of(fh: IO[bytes], copy_to: IO[bytes] | None = None) -> tuple[str, int]:
    """SHA-256 and size of a stream read to its end, optionally copied on the way."""
    digest, size = hashlib.sha256(), 0
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest(), size


def sha256_of_path(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return sha256_of(fh)
