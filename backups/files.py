"""Every stored file of every storage in settings.STORAGES (uploads, private videos and results),
read and written through Django's storage API so local disk and S3 work alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from backups.manifest import FILES_DIR, BackupError, FileEntry, sha256_of

# Built from the code by collectstatic, not clinic data.
NOT_BACKED_UP = frozenset({"staticfiles"})


def storage_aliases() -> list[str]:
    return [alias for alias in settings.STORAGES if alias not in NOT_BACKED_UP]


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage``, depth first (``listdir`` is one level on every backend)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder was never created holds nothing
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(dirs):
        yield from stored_names(storage, prefix + name)


def names_in(alias: str) -> Iterator[str]:
    return stored_names(storages[alias])


def copy_out(alias: str, name: str, folder: Path) -> FileEntry:
    """Copy one stored file into the backup folder, hashing it on the way."""
    target = folder / FILES_DIR / alias / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with storages[alias].open(name, "rb") as src, target.open("wb") as dst:
        sha256, size = sha256_of(src, copy_to=dst)
    return FileEntry(storage=alias, path=name, size=size, sha256=sha256)


def copy_in(entry: FileEntry, folder: Path) -> None:
    """Put one file of the backup back into its storage, under its own name."""
    storage = storages[entry.storage]
    with (folder / FILES_DIR / entry.storage / entry.path).open("rb") as fh:
        saved = storage.save(entry.path, File(fh, name=entry.path))
    if saved != entry.path:  # the storage renamed it: a file of that name was already there
        raise BackupError(f"{entry.storage}:{entry.path} was stored as {saved}; the storage was not empty.")


def stored_hash(alias: str, name: str) -> tuple[str, int] | None:
    storage = storages[alias]
    try:
        with storage.open(name, "rb") as fh:
            return sha256_of(fh)
    except FileNotFoundError:
        return None


def backup_file_hash(entry: FileEntry, folder: Path) -> tuple[str, int] | None:
    path = folder / FILES_DIR / entry.storage / entry.path
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return sha256_of(fh)
