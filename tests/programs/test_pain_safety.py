"""Pain above 5/10 reaches the clinician at once (site and daily e-mail) with the athlete's note,
and the athlete reads a calm step-back message; at 8/10 or more, the clinic's phone number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from programs import selectors, services, tasks
from programs.models import PainAlertNotice
from tests.programs.conftest import log, portal_form

pytestmark = pytest.mark.django_db


def _log_with_note(prescription, *, pain, note, days_ago=0, morning=None):
    items = list(prescription.items.all())
    entries = [
        services.EntryInput(
            item_id=item.pk,
            sets_done=item.sets,
            reps_done=item.reps,
            hold_s_done=item.hold_s,
            pain_during=pain,
            note="Knee sore on the step-down" if item.exercise.slug == "lateral-step-down" else "",
        )
        for item in items
    ]
    return services.session_log_create(
        prescription=prescription,
        logged_by=prescription.patient.user,
        entries=entries,
        note=note,
        performed_on=timezone.localdate() - timedelta(days=days_ago),
        pain_next_morning=morning,
    )


@pytest.mark.parametrize(("pain", "alerted"), [(5, False), (6, True), (7, True), (8, True)])
def test_pain_during_raises_an_alert_only_above_5(clinician, prescription_a, pain, alerted):
    log(prescription_a, pain=pain)
    kinds = [alert.kind for alert in selectors.alerts(user=clinician)]
    assert ("pain_high" in kinds) is alerted


@pytest.mark.parametrize(("morning", "alerted"), [(5, False), (6, True)])
def test_next_morning_pain_above_5_raises_an_alert(clinician, prescription_a, morning, alerted):
    session = log(prescription_a, days_ago=1, pain=2)
    assert selectors.alerts(user=clinician) == []
    services.session_log_next_morning(session=session, logged_by=prescription_a.patient.user, pain_next_morning=morning)
    alerts = [a for a in selectors.alerts(user=clinician) if a.kind == "pain_high"]
    assert bool(alerts) is alerted
    if alerted:
        assert alerts[0].message.startswith(f"Pain {morning}/10 the next morning")


def test_the_alert_carries_the_athletes_notes(clinician, prescription_a):
    _log_with_note(prescription_a, pain=6, note="Tough one today")
    [alert] = selectors.alerts(user=clinician)
    assert alert.kind == "pain_high"
    assert alert.note == "Tough one today · Knee sore on the step-down"


def test_rising_pain_alert_carries_the_latest_note(clinician, prescription_a):
    log(prescription_a, days_ago=4, pain=1)
    log(prescription_a, days_ago=2, pain=2)
    _log_with_note(prescription_a, pain=3, note="A bit more each time")
    [alert] = selectors.alerts(user=clinician)
    assert alert.kind == "pain_rising" and "1/10 → 2/10 → 3/10" in alert.message
    assert "A bit more each time" in alert.note


def test_athlete_logging_pain_6_reaches_the_clinicians_alerts_with_the_note(
    client, clinician, athlete_a, prescription_a
):
    client.force_login(athlete_a[0])
    response = client.post(
        "/portal/log/", portal_form(prescription_a, pain=6, note="Knee sore on the step-down"), follow=True
    )
    page = response.content.decode()
    assert "Great work" not in page
    assert "Session saved. Thank you for telling us how it felt" in page
    assert 'id="pain-advice"' in page and "6/10" in page and "What to do next" in page
    assert settings.CLINIC_PHONE not in page.split('id="pain-advice"')[1].split("</section>")[0]  # 6: no call
    client.force_login(clinician)
    alerts_page = client.get("/programs/alerts/").content.decode()
    row = alerts_page.split('data-kind="pain_high"')[1].split("</tr>")[0]
    assert "Ada Alpha" in row and "Pain 6/10 during the session" in row
    assert "Knee sore on the step-down" in row


def test_pain_5_is_still_great_work(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    page = client.post("/portal/log/", portal_form(prescription_a, pain=5), follow=True).content.decode()
    assert "Session saved. Great work" in page and 'id="pain-advice"' not in page


def test_pain_8_asks_the_athlete_to_call_the_clinic_calmly(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    page = client.post("/portal/log/", portal_form(prescription_a, pain=8), follow=True).content.decode()
    advice = page.split('id="pain-advice"')[1].split("</section>")[0]
    assert "call us today on" in advice and settings.CLINIC_PHONE in advice
    assert 'data-advice="contact_clinic"' in page
    for word in ("weak", "failed", "lazy", "poor", "great work", "danger"):
        assert word not in advice.lower()


def test_pain_7_steps_back_without_the_phone_call(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    page = client.post("/portal/log/", portal_form(prescription_a, pain=7), follow=True).content.decode()
    assert 'data-advice="step_back"' in page and "call us today" not in page


def test_next_morning_pain_6_shows_the_step_back_message(client, athlete_a, prescription_a):
    session = log(prescription_a, days_ago=1, pain=2)
    client.force_login(athlete_a[0])
    response = client.post(f"/portal/sessions/{session.pk}/next-morning/", {"pain_next_morning": "6"}, follow=True)
    page = response.content.decode()
    assert "Here is what to do next" in page
    assert "6/10</strong> the morning after your session" in page


def test_daily_digest_tells_the_prescribing_clinician_once_with_the_note(
    clinician, prescription_a, prescription_b, django_capture_on_commit_callbacks
):
    clinician.email = "clin@example.org"
    clinician.save()
    _log_with_note(prescription_a, pain=6, note="Knee sore on the step-down", days_ago=1)
    log(prescription_b, days_ago=1, pain=4)  # acceptable: not in the digest
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_pain_alert_digest() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_pain_alert_digest() == 0  # idempotent: nothing new
    [message] = mail.outbox
    assert message.to == ["clin@example.org"]
    assert "Ada Alpha: Pain 6/10 during the session" in message.body
    assert "Knee sore on the step-down" in message.body and "Bea Beta" not in message.body
    assert f"/programs/patients/{prescription_a.patient_id}/" in message.body
    notice = PainAlertNotice.objects.get()
    assert notice.clinician == clinician and notice.kind == "pain_high"
    assert AuditEvent.objects.filter(target_type="programs.painalertnotice", patient_id=prescription_a.patient_id)


def test_digest_sends_a_new_alert_the_next_day(clinician, prescription_a, django_capture_on_commit_callbacks):
    clinician.email = "clin@example.org"
    clinician.save()
    log(prescription_a, days_ago=2, pain=6)
    with django_capture_on_commit_callbacks(execute=True):
        services.pain_alert_digest_send()
    log(prescription_a, days_ago=1, pain=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pain_alert_digest_send() == 1
    assert len(mail.outbox) == 2 and "Pain 7/10" in mail.outbox[1].body


def test_beat_schedule_runs_the_digest_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["programs-pain-alert-digest"]
    assert entry["task"] == tasks.send_pain_alert_digest.name
    assert entry["schedule"].hour == {settings.PAIN_ALERT_DIGEST_HOUR}
