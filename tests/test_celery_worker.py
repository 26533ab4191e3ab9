"""A real Celery worker process, on the configured broker (filesystem by default, Redis in CI)."""

from __future__ import annotations

import pytest

from clinic.celery import ping
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_process_runs_a_task_against_the_test_database(celery_worker_process):
    UserFactory.create_batch(3)
    result = ping.delay().get(timeout=60)
    assert result == {"pong": True, "users": 3}
