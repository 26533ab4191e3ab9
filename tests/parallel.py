"""Each pytest-xdist worker gets its own var/ folder and its own Redis databases.

`make test` runs the suite in several processes at once (tests/suite.py). What the settings read
from the environment at import would otherwise be shared by them: the SQLite test database and
the filesystem broker's folders under STRIDE_VAR_DIR, and the Redis databases of the broker, the
results and the cache (a worker sharing a queue takes the other's Celery tasks; the cache's
clear() before each test empties the other's rate-limit counters). So, before Django reads its
settings, worker ``gwN`` gets ``STRIDE_VAR_DIR/gwN`` and Redis database numbers shifted past
every other worker's. The Celery workers, gunicorn and manage.py processes the tests start
inherit this environment. PostgreSQL test databases are already per worker (pytest-django names
them ``test_<name>_gwN``). Outside xdist (plain pytest, the serial pass) nothing changes.

Loaded early through ``-p tests.parallel`` in pyproject's addopts: pytest-django imports the
settings before any conftest is read.
"""

from __future__ import annotations

import os
from collections.abc import Generator, MutableMapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Folders the settings place under STRIDE_VAR_DIR unless set on their own: each is made per worker.
FOLDER_VARIABLES = ("STRIDE_VAR_DIR", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "STATIC_ROOT", "ASSESSMENT_RESUMABLE_DIR")
REDIS_VARIABLES = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
REDIS_DATABASES = 16  # Redis' default `databases`; a server with fewer refuses the higher numbers
# Set once the environment is made per worker, so a process that inherits it does not shift it again.
MARK = "STRIDE_TEST_WORKER"


def redis_database(url: str) -> int | None:
    """The database number of a redis:// URL (0 when it names none); None for another scheme."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    path = parts.path.strip("/")
    return int(path) if path else 0


def with_redis_database(url: str, database: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def redis_offset(databases: set[int], *, worker: int, workers: int) -> int:
    """How far worker ``worker`` (0-based) of ``workers`` shifts every Redis database number.

    Worker 0 keeps the configured numbers; the others move up (or down, when up leaves Redis'
    16 databases) by the width of the configured range each, so no two workers share one.
    """
    if not databases or worker == 0:
        return 0
    width = max(databases) - min(databases) + 1
    if max(databases) + (workers - 1) * width < REDIS_DATABASES:
        return worker * width
    if min(databases) - (workers - 1) * width >= 0:
        return -worker * width
    raise pytest.UsageError(
        f"{workers} test workers need {workers} x {width} Redis databases next to {sorted(databases)}: "
        "choose lower database numbers in the Redis URLs or fewer workers (make test TEST_WORKERS=...)"
    )


def isolate_worker(environ: MutableMapping[str, str]) -> None:
    """Give this xdist worker its own folders and Redis databases (see the module docstring)."""
    worker_id = environ.get("PYTEST_XDIST_WORKER")
    if not worker_id or environ.get(MARK) == worker_id:
        return
    worker = int(worker_id.removeprefix("gw"))
    workers = int(environ.get("PYTEST_XDIST_WORKER_COUNT", worker + 1))

    for name in FOLDER_VARIABLES:
        if environ.get(name):
            environ[name] = str(Path(environ[name]) / worker_id)
    if "STRIDE_VAR_DIR" not in environ:  # the settings' default, var/ in the repository
        environ["STRIDE_VAR_DIR"] = str(Path(__file__).resolve().parent.parent / "var" / worker_id)

    urls = {name: environ[name] for name in REDIS_VARIABLES if environ.get(name)}
    numbers = {name: redis_database(url) for name, url in urls.items()}
    databases = {number for number in numbers.values() if number is not None}
    offset = redis_offset(databases, worker=worker, workers=workers)
    for name, number in numbers.items():
        if number is not None:
            environ[name] = with_redis_database(urls[name], number + offset)
    environ[MARK] = worker_id


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests() -> Generator[None, None, None]:
    # A wrapper runs before every plain implementation, pytest-django's (which imports the settings) included.
    isolate_worker(os.environ)
    return (yield)
