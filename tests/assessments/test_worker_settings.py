"""Worker settings: a running analysis ends (soft, then hard limit) before the broker would
deliver its message again (visibility timeout), and the system check says so when it would not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assessments.checks import check_worker_time_limits
from tests.worker import ROOT

READ_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'soft': s.ASSESSMENT_SOFT_TIME_LIMIT_S, 'hard': s.ASSESSMENT_TIME_LIMIT_S, "
    "'task_soft': s.CELERY_TASK_SOFT_TIME_LIMIT, 'task_hard': s.CELERY_TASK_TIME_LIMIT, "
    "'visibility': s.CELERY_BROKER_TRANSPORT_OPTIONS.get('visibility_timeout'), "
    "'acks_late': s.CELERY_TASK_ACKS_LATE, 'reject_on_worker_lost': s.CELERY_TASK_REJECT_ON_WORKER_LOST, "
    "'prefetch': s.CELERY_WORKER_PREFETCH_MULTIPLIER}))"
)


def settings_with(**env: str) -> dict:
    """The settings module as production loads it, with these environment variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "ASSESSMENT_"))}
    output = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "clinic.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_with_redis_soft_limit_is_below_hard_limit_below_visibility_timeout():
    values = settings_with(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert values["soft"] < values["hard"] < values["visibility"]
    assert values["task_soft"] < values["task_hard"] < values["visibility"]
    assert values["acks_late"] and values["reject_on_worker_lost"] and values["prefetch"] == 1


def test_the_configured_settings_pass_the_check():
    assert check_worker_time_limits() == []


@pytest.mark.parametrize(
    ("overrides", "error_id", "words"),
    [
        ({"ASSESSMENT_SOFT_TIME_LIMIT_S": 1500, "ASSESSMENT_TIME_LIMIT_S": 1200}, "assessments.E001", "shorter than"),
        ({"CELERY_BROKER_TRANSPORT_OPTIONS": {"visibility_timeout": 600}}, "assessments.E002", "delivered twice"),
    ],
)
def test_a_limit_out_of_order_fails_the_system_check(settings, overrides, error_id, words):
    for name, value in overrides.items():
        setattr(settings, name, value)
    errors = check_worker_time_limits()
    assert errors and {e.id for e in errors} == {error_id}
    assert all(words in e.msg for e in errors)
