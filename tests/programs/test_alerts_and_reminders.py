"""Clinic-wide alerts from the logs, and the inactivity reminder sent once per quiet spell."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from programs import pain_rules, selectors, services, tasks
from programs.models import InactivityReminder
from tests.programs.conftest import log

pytestmark = pytest.mark.django_db


def _kinds(user):
    return {(alert.patient.last_name, alert.kind) for alert in selectors.alerts(user=user)}


def test_pain_above_5_raises_an_alert_and_5_does_not(clinician, prescription_a, prescription_b):
    log(prescription_a, days_ago=1, pain=6)
    log(prescription_b, days_ago=1, pain=5)
    alerts = selectors.alerts(user=clinician)
    assert [(a.patient.last_name, a.kind) for a in alerts] == [("Alpha", "pain_high")]
    assert "6/10" in alerts[0].message


def test_next_morning_pain_of_7_raises_an_alert(clinician, prescription_a):
    log(prescription_a, days_ago=2, pain=3, morning=7)
    [alert] = selectors.alerts(user=clinician)
    assert alert.kind == "pain_high" and "the next morning" in alert.message


def test_pain_rising_over_three_sessions_raises_an_alert(clinician, prescription_a, prescription_b):
    for days_ago, pain in ((5, 1), (3, 2), (1, 4)):
        log(prescription_a, days_ago=days_ago, pain=pain)
    for days_ago, pain in ((5, 1), (3, 3), (1, 3)):
        log(prescription_b, days_ago=days_ago, pain=pain)
    assert _kinds(clinician) == {("Alpha", "pain_rising")}
    assert "1/10 → 2/10 → 4/10" in selectors.alerts(user=clinician)[0].message


def test_nothing_logged_for_a_week_raises_an_alert(clinician, prescription_a, prescription_b):
    log(prescription_a, days_ago=8, pain=1)
    log(prescription_b, days_ago=6, pain=1)
    assert _kinds(clinician) == {("Alpha", "quiet")}


def test_superseded_prescriptions_and_unseen_patients_raise_nothing(athlete_a, front_desk, prescription_a):
    log(prescription_a, days_ago=1, pain=9)
    assert selectors.alerts(user=front_desk) == []
    assert selectors.alerts(user=athlete_a[0]) == []


def test_alerts_page_lists_alerts_for_clinicians_only(client, clinician, front_desk, athlete_a, prescription_a):
    log(prescription_a, days_ago=1, pain=8)
    client.force_login(clinician)
    page = client.get("/programs/alerts/").content.decode()
    assert "Ada Alpha" in page and "Pain 8/10" in page
    for user in (front_desk, athlete_a[0]):
        client.force_login(user)
        assert client.get("/programs/alerts/").status_code == 403


def test_reminder_is_sent_once_after_n_quiet_days(athlete_a, prescription_a, django_capture_on_commit_callbacks):
    log(prescription_a, days_ago=settings.PROGRAM_REMINDER_AFTER_DAYS, pain=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.inactivity_reminders_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.inactivity_reminders_send() == 0  # second run: nothing new
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [athlete_a[0].email]
    assert "/portal/" in message.body and "Ada" in message.body
    assert not any(word in message.body.lower() for word in ("weak", "failed", "lazy"))
    assert InactivityReminder.objects.get().last_active_on == timezone.localdate() - timedelta(
        days=settings.PROGRAM_REMINDER_AFTER_DAYS
    )


def test_no_reminder_while_logging_and_a_new_one_after_the_next_quiet_spell(
    prescription_a, django_capture_on_commit_callbacks
):
    log(prescription_a, days_ago=1, pain=1)
    assert services.inactivity_reminders_send() == 0
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.inactivity_reminders_send(today=today + timedelta(days=10)) == 1
        log(prescription_a, days_ago=0, pain=1)
        assert services.inactivity_reminders_send(today=today + timedelta(days=20)) == 1
    assert len(mail.outbox) == 2


def test_task_calls_the_service_and_is_safe_to_run_twice(prescription_a, django_capture_on_commit_callbacks):
    log(prescription_a, days_ago=30, on=prescription_a.starts_on + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_inactivity_reminders() == 1
        assert tasks.send_inactivity_reminders() == 0
    assert len(mail.outbox) == 1


def test_beat_schedule_runs_the_reminder_task():
    entry = settings.CELERY_BEAT_SCHEDULE["programs-inactivity-reminders"]
    assert entry["task"] == tasks.send_inactivity_reminders.name


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminder_task_runs_in_a_real_worker_once(celery_worker_process, athlete_a, visit_a, clinician, hip_template):
    from tests.programs.conftest import prescribe

    prescription = prescribe(athlete_a[1], clinician, hip_template, visit_a, starts_days_ago=20)
    log(prescription, days_ago=10, pain=1)
    assert tasks.send_inactivity_reminders.delay().get(timeout=60) == 1
    assert tasks.send_inactivity_reminders.delay().get(timeout=60) == 0
    assert InactivityReminder.objects.get().patient == athlete_a[1]


def _reference_alerts(sessions_by_last_name, starts_on, today):
    """The alert rules read straight off every session, with no database help: what the
    selector, which lets the database pick the few sessions that matter, must agree with."""
    found = []
    for last_name, sessions in sessions_by_last_name.items():
        sessions = sorted(sessions, key=lambda s: (s.performed_on, s.pk))
        points = [(s.performed_on, max(s.pain_during_max, s.pain_next_morning or 0), s) for s in sessions]
        recent = [p for p in points if p[0] >= today - timedelta(days=28)]
        high = [p for p in recent if p[0] >= today - timedelta(days=14)]
        worst = max(high, key=lambda p: (p[1], p[0]), default=None)
        if worst is not None and worst[1] > pain_rules.ACCEPTABLE_PAIN_MAX:
            found.append((last_name, "pain_high", worst[0], f"Pain {worst[1]}/10"))
        last = [p[1] for p in recent[-pain_rules.RISING_SESSIONS :]]
        if len(last) == pain_rules.RISING_SESSIONS and all(a < b for a, b in itertools.pairwise(last)):
            found.append((last_name, "pain_rising", recent[-1][0], " → ".join(f"{p}/10" for p in last)))
        since = points[-1][0] if points else starts_on
        if (today - since).days >= selectors.QUIET_ALERT_DAYS:
            found.append((last_name, "quiet", since, f"Nothing logged for {(today - since).days} days"))
    return sorted(found)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_alerts_agree_with_the_rules_applied_to_every_session(seed, clinician, hip_template):
    import random

    from tests.factories import PatientFactory
    from tests.programs.conftest import prescribe

    rng = random.Random(seed)
    today = timezone.localdate()
    sessions_by_last_name = {}
    for n in range(12):
        patient = PatientFactory(last_name=f"Runner{n:02d}")
        prescription = prescribe(patient, clinician, hip_template, starts_days_ago=40)
        # Distinct days: a second log of a day edits that day's session (one per programme per day).
        days = sorted({rng.randint(0, 38) for _ in range(rng.randint(0, 9))}, reverse=True)
        sessions_by_last_name[patient.last_name] = [
            log(prescription, days_ago=d, pain=rng.randint(0, 9), morning=rng.choice([None, *range(0, 10)]))
            for d in days
        ]
    expected = _reference_alerts(sessions_by_last_name, today - timedelta(days=40), today)

    got = sorted((a.patient.last_name, a.kind, a.on, a.message) for a in selectors.alerts(user=clinician, today=today))

    assert [g[:3] for g in got] == [e[:3] for e in expected]
    assert all(e[3] in g[3] for g, e in zip(got, expected, strict=True))
    assert {kind for _, kind, _, _ in expected} >= {"pain_high", "quiet"}  # the data exercises the rules
