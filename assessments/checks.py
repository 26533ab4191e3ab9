"""System check: a running analysis must end (soft, then hard time limit) before the broker
decides its worker is gone and delivers the message again (visibility timeout).

Were the visibility timeout shorter, Redis would hand a job that is still running to a second
worker; the job-id claim keeps the result single, but the work would be done twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


def time_limit_pairs() -> list[tuple[str, int, str, int]]:
    return [
        (
            "ASSESSMENT_SOFT_TIME_LIMIT_S",
            settings.ASSESSMENT_SOFT_TIME_LIMIT_S,
            "ASSESSMENT_TIME_LIMIT_S",
            settings.ASSESSMENT_TIME_LIMIT_S,
        ),
        (
            "CELERY_TASK_SOFT_TIME_LIMIT",
            settings.CELERY_TASK_SOFT_TIME_LIMIT,
            "CELERY_TASK_TIME_LIMIT",
            settings.CELERY_TASK_TIME_LIMIT,
        ),
    ]


@register()
def check_worker_time_limits(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    visibility = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("visibility_timeout")
    for soft_name, soft, hard_name, hard in time_limit_pairs():
        if not soft < hard:
            errors.append(
                Error(f"{soft_name} ({soft} s) must be shorter than {hard_name} ({hard} s).", id="assessments.E001")
            )
        if visibility is not None and not hard < visibility:
            errors.append(
                Error(
                    f"{hard_name} ({hard} s) must be shorter than the broker's visibility timeout "
                    f"(CELERY_VISIBILITY_TIMEOUT, {visibility} s), or running jobs are delivered twice.",
                    id="assessments.E002",
                )
            )
    return errors
