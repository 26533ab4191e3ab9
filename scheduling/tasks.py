"""Celery tasks of the scheduling app: thin wrappers around services."""

from celery import shared_task

from scheduling import services


@shared_task
def send_appointment_reminders() -> int:
    """Beat job: e-mail athletes 24 h before their appointment (once each; safe to overlap)."""
    return services.reminders_send_due()
