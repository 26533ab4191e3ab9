"""Celery tasks of the programs app: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from programs import services


@shared_task(name="programs.tasks.send_inactivity_reminders")
def send_inactivity_reminders() -> int:
    """Nudge athletes who have logged nothing for a few days; safe to run twice (once per quiet spell)."""
    return services.inactivity_reminders_send()


@shared_task(name="programs.tasks.send_pain_alert_digest")
def send_pain_alert_digest() -> int:
    """E-mail each prescribing clinician the pain alerts not yet sent; safe to run twice."""
    return services.pain_alert_digest_send()
