"""Stride Clinic project package: settings, URLs, the Celery app and clinic-wide helpers."""

from clinic.celery import app as celery_app

__all__ = ("celery_app",)
