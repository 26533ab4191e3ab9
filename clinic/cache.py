"""A cache shared by every process on one machine without a server: rate-limit counters for the
embedded run (production counts in Redis).

Django's file cache is shared between processes, but its ``add`` and ``incr`` read then write,
so two web workers counting the same request could both see 4 and both write 5. Here both hold an
exclusive lock on one file in the cache folder, which makes them atomic across processes, and
``incr`` keeps the entry's expiry (Django's sets a new default timeout, which would stretch a
rate-limit window for as long as requests keep coming). A full cache drops expired windows first.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class LockingFileBasedCache(FileBasedCache):
    # FileBasedCache's private parts this class builds on; django-stubs leaves them out.
    _dir: str
    _createdir: Callable[[], None]
    _list_cache_files: Callable[[], list[str]]
    _is_expired: Callable[[BinaryIO], bool]
    _key_to_file: Callable[[str, int | None], str]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        with open(os.path.join(self._dir, "cache.lock"), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def _cull(self) -> None:
        """Past MAX_ENTRIES, expired windows go first; Django's cull drops entries at random, and a
        dropped live counter would let its requests through again."""
        filelist = self._list_cache_files()
        if len(filelist) < self._max_entries:
            return
        for fname in filelist:
            try:
                with open(fname, "rb") as f:
                    self._is_expired(f)  # deletes the file when expired
            except FileNotFoundError:
                pass
        super()._cull()  # type: ignore[misc]  # private in FileBasedCache, missing from the stubs

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._locked():
            fname = self._key_to_file(key, version)
            try:
                # Django's own file-cache format, read from the cache's private folder (as FileBasedCache.get does).
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301
                    if expiry is not None and expiry < time.time():
                        raise ValueError(f"Key '{key}' not found")
                    value = pickle.loads(zlib.decompress(f.read())) + delta  # noqa: S301
            except FileNotFoundError:
                raise ValueError(f"Key '{key}' not found") from None
            # A new file renamed over the old one: readers (get) take no lock and must never see half a file.
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            with open(fd, "wb") as f:
                f.write(pickle.dumps(expiry, self.pickle_protocol))
                f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            os.replace(tmp_path, fname)
            return value
