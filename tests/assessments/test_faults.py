"""Faults in the services around the workers, with real worker processes: Redis restarted
without persistence while jobs wait in it, and PostgreSQL unreachable while a worker analyses.
Every job still finishes exactly once: one stored result, one "analysis stored" audit event,
one run folder, and few attempts.

PostgreSQL and Redis only (they are what fails here); .ci/run runs these tests on its services.
Both services are brought back in ``finally`` blocks: the rest of the suite runs on them after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
import redis
from django.conf import settings
from django.db import connection

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from audit.models import AuditEvent
from tests.assessments.conftest import upload_of
from tests.worker import celery_worker, wait_until

ON_SERVICES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and settings.CELERY_BROKER_URL.startswith(
    "redis://"
)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.serial,  # stops Redis and cuts PostgreSQL off: nothing else may run meanwhile
    pytest.mark.skipif(
        not ON_SERVICES,
        reason="restarts Redis and cuts PostgreSQL off: needs DATABASE_URL=postgres://... and "
        "CELERY_BROKER_URL=redis://... (the embedded SQLite and filesystem broker have no server to fail)",
    ),
]

FINISHED = (AssessmentStatus.DONE, AssessmentStatus.FLAGGED, AssessmentStatus.FAILED)


class RedisServer:
    """The Redis server behind the broker URL: stopped without saving, started again as it ran."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        info = self.client.info("server")
        config = self.client.config_get("*")
        # INFO's executable is argv[0] made absolute against the server's cwd: right only if it exists.
        executable = info.get("executable") or ""
        self.command = [executable if os.path.isfile(executable) else shutil.which("redis-server") or "redis-server"]
        if info.get("config_file"):
            self.command += [info["config_file"]]
        else:  # started from the command line, as .ci/run does: repeat what matters
            self.command += ["--bind", *config["bind"].split(), "--port", config["port"], "--dir", config["dir"]]  # type: ignore[union-attr]  # CONFIG GET answers each name
            self.command += ["--save", config["save"], "--appendonly", config["appendonly"]]
            if config.get("logfile"):
                self.command += ["--logfile", config["logfile"]]
        self.command += ["--daemonize", "yes"]

    def is_up(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def stop_without_saving(self) -> None:
        with suppress(redis.ConnectionError):
            self.client.shutdown(nosave=True)
        wait_until(lambda: not self.is_up(), timeout_s=10, what="Redis to stop")

    def start(self) -> None:
        subprocess.run(self.command, check=True, capture_output=True)
        wait_until(self.is_up, timeout_s=30, what="Redis to start")

    def queued_messages(self, queue: str = "celery") -> int:
        return int(self.client.llen(queue))


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Cut the test database off from every other process, as a server restart does: their
    connections are terminated and new ones refused. This test's own connection stays, and no
    other database on the shared server is touched."""
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    # A database cannot refuse connections from inside itself: this runs from the server's
    # maintenance database, as Django does when it creates the test database.
    with connection._nodb_cursor() as admin:
        admin.execute(f"ALTER DATABASE {connection.ops.quote_name(database)} ALLOW_CONNECTIONS false")
        try:
            admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                [database, own_pid],
            )
            assert admin.fetchone()[0] >= 1  # the worker's connection was there, and went
            yield
        finally:
            admin.execute(f"ALTER DATABASE {connection.ops.quote_name(database)} ALLOW_CONNECTIONS true")


def upload(visit, clinician, clip) -> Assessment:
    return services.assessment_create(visit=visit, video=upload_of(clip), view="posterior", created_by=clinician)


def status_of(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def all_finished(jobs: list[Assessment]) -> bool:
    return all(status_of(job).status in FINISHED for job in jobs)


def assert_each_finished_exactly_once(jobs: list[Assessment], *, max_attempts: int) -> list[Assessment]:
    rows = [status_of(job) for job in jobs]
    for row in rows:
        assert row.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED), (row.pk, row.failure_reason)
        assert 1 <= row.attempts <= max_attempts, (row.pk, row.attempts)
        assert row.result is not None and row.result["analysis_version"] and row.progress == 100
        stored = AuditEvent.objects.filter(
            target_type="assessments.assessment", target_id=str(row.pk), summary__startswith="analysis stored"
        )
        assert stored.count() == 1, (row.pk, list(stored.values_list("summary", flat=True)))
        runs, _ = row.video.storage.listdir(f"assessments/{row.uid}/runs")
        assert runs == [str(row.job_id)]
    return rows


def test_jobs_queued_when_redis_restarts_are_sent_again_and_each_finishes_once(
    visit_a, clinician, short_cam03, tmp_path
):
    server = RedisServer(settings.CELERY_BROKER_URL)
    try:
        with celery_worker(log_path=tmp_path / "worker.log"):
            jobs = [upload(visit_a, clinician, short_cam03) for _ in range(3)]
            wait_until(lambda: status_of(jobs[0]).progress > 0, timeout_s=120, what="the first job to start")
            assert server.queued_messages() == 2  # the other two wait in Redis (prefetch 1)

            started = time.monotonic()
            server.stop_without_saving()
            # An upload while the broker is down is still recorded: its message cannot leave.
            during = upload(visit_a, clinician, short_cam03)
            server.start()
            downtime_s = time.monotonic() - started
            assert server.queued_messages() == 0  # the waiting messages went with the server
            assert status_of(during).status == AssessmentStatus.QUEUED

            # The running job is not lost: it finishes on its own; the rest wait in the database.
            wait_until(lambda: status_of(jobs[0]).status in FINISHED, timeout_s=120, what="the running job")
            waiting = {j.pk for j in [*jobs, during] if status_of(j).status == AssessmentStatus.QUEUED}
            resent = services.assessment_resend_lost(resend_after_s=0)  # what the sweeper does each minute
            assert set(resent) == waiting and during.pk in waiting and len(waiting) >= 2

            wait_until(lambda: all_finished([*jobs, during]), timeout_s=300, what="every job", every_s=0.5)
            time.sleep(1)  # room for a stray duplicate to land, if there were one
    finally:
        if not server.is_up():
            server.start()

    rows = assert_each_finished_exactly_once([*jobs, during], max_attempts=1)
    print(f"Redis down for {downtime_s:.1f} s; re-sent {len(resent)} jobs; attempts {[r.attempts for r in rows]}")


OUTAGE_S = 4


def test_jobs_finish_exactly_once_when_postgres_drops_the_workers_connections(
    visit_a, clinician, short_cam03, tmp_path
):
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log):
        jobs = [upload(visit_a, clinician, short_cam03) for _ in range(3)]
        wait_until(lambda: status_of(jobs[0]).progress > 0, timeout_s=120, what="the first job to start")
        with database_unreachable():
            time.sleep(OUTAGE_S)
        wait_until(lambda: all_finished(jobs), timeout_s=300, what="every job", every_s=0.5)
        time.sleep(1)

    rows = assert_each_finished_exactly_once(jobs, max_attempts=2)
    # The interrupted run gave its job back and its retry (same message id) took it over.
    assert rows[0].attempts == 2
    assert "Retry in 10s" in log.read_text(errors="replace")
    print(f"PostgreSQL cut off for {OUTAGE_S} s; attempts {[r.attempts for r in rows]}")
