"""Start and stop a real Celery worker process that shares the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_tests() -> str:
    """The URL of the database pytest-django created, for a process outside this one."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


@contextmanager
def celery_worker(
    *, log_path: Path, extra_env: dict[str, str] | None = None, app: str = "clinic"
) -> Iterator[subprocess.Popen]:
    """``app``: the Celery app module; tests may name one that patches the engine before the pool forks."""
    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), **(extra_env or {})}
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app",
        app,
        "worker",
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_until_ready(log_path, process)
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Warm shutdown, as `kill <pid>` of a worker in production: SIGTERM to the main process alone,
    which stops its pool itself. (SIGTERM to the whole group killed the pool child under it, and
    the main process then waited out the 20 s before SIGKILL.) Then SIGKILL for anything left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_until_ready(log_path: Path, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if b"ready." in log_path.read_bytes():
            return
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError(f"Celery worker not ready after {timeout_s}s:\n{log_path.read_text(errors='replace')[-3000:]}")


def wait_until(condition: Callable[[], object], *, timeout_s: float, what: str, every_s: float = 0.2) -> object:
    """Poll ``condition`` until it returns something truthy; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
