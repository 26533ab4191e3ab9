"""make test's two passes: each xdist worker its own folders and Redis databases (tests/parallel.py),
and the serial tests alone after the rest (tests/suite.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.parallel import isolate_worker
from tests.suite import combined, split_marker

CI = {
    "STRIDE_VAR_DIR": "/tmp/stride-test-abc",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/15",
    "CACHE_URL": "redis://127.0.0.1:6379/14",
    "PYTEST_XDIST_WORKER_COUNT": "2",
}


def as_worker(worker_id: str, **environ: str) -> dict[str, str]:
    environ = {**environ, "PYTEST_XDIST_WORKER": worker_id}
    isolate_worker(environ)
    return environ


def marked(worker_id: str) -> dict[str, str]:
    """What isolate_worker leaves besides the folders and URLs: whose environment this is."""
    return {"STRIDE_TEST_WORKER": worker_id, "PYTEST_XDIST_WORKER": worker_id}


def test_each_worker_gets_its_own_var_folder():
    assert as_worker("gw0", **CI)["STRIDE_VAR_DIR"] == "/tmp/stride-test-abc/gw0"
    assert as_worker("gw1", **CI)["STRIDE_VAR_DIR"] == "/tmp/stride-test-abc/gw1"


def test_workers_redis_databases_do_not_overlap_and_move_down_from_the_top():
    first, second = as_worker("gw0", **CI), as_worker("gw1", **CI)
    assert (first["CELERY_BROKER_URL"], first["CACHE_URL"]) == (CI["CELERY_BROKER_URL"], CI["CACHE_URL"])
    assert second["CELERY_BROKER_URL"] == second["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/13"
    assert second["CACHE_URL"] == "redis://127.0.0.1:6379/12"


def test_low_redis_databases_move_up_per_worker():
    low = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/5", "CACHE_URL": "redis://127.0.0.1:6379/6"}
    databases = [
        (env["CELERY_BROKER_URL"][-1], env["CACHE_URL"][-1])
        for env in (as_worker(f"gw{n}", **low, PYTEST_XDIST_WORKER_COUNT="2") for n in range(2))
    ]
    assert databases == [("5", "6"), ("7", "8")]


def test_too_many_workers_for_redis_databases_is_refused_with_what_to_do():
    wide = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1", "CACHE_URL": "redis://127.0.0.1:6379/14"}
    with pytest.raises(pytest.UsageError, match="fewer workers"):
        as_worker("gw1", **wide, PYTEST_XDIST_WORKER_COUNT="2")


def test_embedded_urls_and_a_run_without_xdist_are_left_alone():
    embedded = {"STRIDE_VAR_DIR": "/tmp/v", "CELERY_BROKER_URL": "filesystem://", "CACHE_URL": "locmemcache://"}
    assert as_worker("gw1", **embedded) == {**embedded, "STRIDE_VAR_DIR": "/tmp/v/gw1", **marked("gw1")}
    alone = dict(CI)
    isolate_worker(alone)
    assert alone == CI


def test_a_process_started_by_a_worker_keeps_the_workers_environment():
    """Celery workers and gunicorn inherit the shifted environment: it is not shifted again."""
    once = as_worker("gw1", **CI)
    again = dict(once)
    isolate_worker(again)
    assert again == once


def test_this_worker_runs_on_its_own_folder_and_test_database(db):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    if worker_id is None:
        pytest.skip("not under pytest-xdist")
    assert settings.VAR_DIR.name == worker_id
    assert connection.settings_dict["NAME"].endswith(f"_{worker_id}")  # pytest-django's suffix


def test_make_tests_marker_expression_keeps_yours_in_both_passes():
    assert split_marker(["-q", "-m", "browser", "tests/browser"]) == (["-q", "tests/browser"], "browser")
    assert split_marker(["-mworker", "--durations=15"]) == (["--durations=15"], "worker")
    assert split_marker(["-q"]) == (["-q"], None)
    assert combined("browser or worker", "not serial") == "(browser or worker) and not serial"
    assert combined(None, "serial") == "serial"
