"""The Celery app, configured from Django settings (CELERY_* names), tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="clinic.ping")
def ping() -> dict[str, object]:
    """Round trip through the broker, the worker and the database: used by health checks."""
    from django.contrib.auth import get_user_model

    return {"pong": True, "users": get_user_model().objects.count()}
