"""Honest logs: pain is chosen, one session per programme per day (saving again edits it), the
athlete's own edits and deletions the same day only, seen and audited by the clinician, and
adherence counted from the programme's start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from programs import selectors, services
from programs.models import SessionLog
from tests.programs.conftest import log, portal_form, prescribe

pytestmark = pytest.mark.django_db


def _saved_yesterday(session: SessionLog) -> SessionLog:
    SessionLog.objects.filter(pk=session.pk).update(created_at=timezone.now() - timedelta(days=1))
    session.refresh_from_db()
    return session


def test_the_log_form_has_no_pain_chosen(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    page = client.get("/portal/").content.decode()
    select = page.split('name="item-')[1]
    assert '<option value="" selected>Choose 0-10</option>' in page
    assert 'value="0" selected' not in select.split("</select>")[0]


def test_a_log_without_pain_is_refused_with_a_clear_message(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    response = client.post("/portal/log/", portal_form(prescription_a, pain=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Choose how much it hurt, from 0 (no pain) to 10.") == 3
    assert SessionLog.objects.count() == 0


def test_an_exercise_not_done_needs_no_pain(client, athlete_a, prescription_a):
    item = prescription_a.items.first()
    data = portal_form(prescription_a, pain=2)
    del data[f"item-{item.pk}-done"]
    data[f"item-{item.pk}-pain_during"] = ""
    client.force_login(athlete_a[0])
    assert client.post("/portal/log/", data).status_code == 302
    assert SessionLog.objects.get().entries.count() == 2


def test_tapping_save_twice_stores_one_session(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    for _ in range(2):
        assert client.post("/portal/log/", portal_form(prescription_a, pain=2)).status_code == 302
    session = SessionLog.objects.get()
    assert [entry.pain_during for entry in session.entries.all()] == [2, 2, 2]


def test_saving_the_day_again_edits_it_and_the_edit_is_audited(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    client.post("/portal/log/", portal_form(prescription_a, pain=2))
    page = client.get("/portal/").content.decode()
    assert "Update this session" in page and 'data-testid="editing"' in page
    assert 'value="2" selected' in page  # the saved pain fills the form, not a default
    response = client.post("/portal/log/", portal_form(prescription_a, pain=4, note="Sore after all"), follow=True)
    assert "Session updated" in response.content.decode()
    session = SessionLog.objects.get()
    assert session.note == "Sore after all"
    assert {entry.pain_during for entry in session.entries.all()} == {4}
    event = AuditEvent.objects.get(target_type="programs.sessionlog", action="update")
    assert "pain up to 2/10 → 4/10" in event.summary and "notes changed" in event.summary


def test_the_service_upserts_one_session_per_programme_and_day(prescription_a):
    first = log(prescription_a, pain=2)
    second = log(prescription_a, pain=3)
    assert first.pk == second.pk
    assert SessionLog.objects.count() == 1
    assert {entry.pain_during for entry in SessionLog.objects.get().entries.all()} == {3}


def test_a_day_saved_on_an_earlier_day_is_not_changed_again(prescription_a):
    _saved_yesterday(log(prescription_a, days_ago=1, pain=2))
    with pytest.raises(ValidationError, match="saved on an earlier day"):
        log(prescription_a, days_ago=1, pain=0)
    assert {entry.pain_during for entry in SessionLog.objects.get().entries.all()} == {2}


def test_athlete_deletes_their_own_log_the_same_day(client, athlete_a, prescription_a):
    session = log(prescription_a, pain=3)
    client.force_login(athlete_a[0])
    history = client.get("/portal/history/").content.decode()
    assert f"/portal/sessions/{session.pk}/edit/" in history and f"/portal/sessions/{session.pk}/delete/" in history
    response = client.post(f"/portal/sessions/{session.pk}/delete/", follow=True)
    assert "is deleted" in response.content.decode()
    assert not SessionLog.objects.exists()
    event = AuditEvent.objects.get(target_type="programs.sessionlog", action="delete")
    assert "pain up to 3/10" in event.summary


def test_athlete_edits_a_session_of_yesterday_saved_today(client, athlete_a, prescription_a):
    session = log(prescription_a, days_ago=1, pain=1)
    client.force_login(athlete_a[0])
    page = client.get(f"/portal/sessions/{session.pk}/edit/").content.decode()
    assert "Your session of" in page and session.performed_on.isoformat() in page
    client.post("/portal/log/", portal_form(prescription_a, pain=2, performed_on=session.performed_on.isoformat()))
    assert SessionLog.objects.count() == 1
    assert {entry.pain_during for entry in SessionLog.objects.get().entries.all()} == {2}


def test_a_log_saved_on_an_earlier_day_cannot_be_edited_or_deleted(client, athlete_a, prescription_a):
    session = _saved_yesterday(log(prescription_a, days_ago=1, pain=2))
    client.force_login(athlete_a[0])
    history = client.get("/portal/history/").content.decode()
    assert f"/portal/sessions/{session.pk}/delete/" not in history
    assert client.get(f"/portal/sessions/{session.pk}/edit/").status_code == 302
    client.post(f"/portal/sessions/{session.pk}/delete/")
    assert SessionLog.objects.filter(pk=session.pk).exists()


def test_nobody_edits_or_deletes_someone_elses_log(client, athlete_a, clinician, prescription_a, prescription_b):
    theirs = log(prescription_b, pain=2)
    client.force_login(athlete_a[0])
    assert client.post(f"/portal/sessions/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"/portal/sessions/{theirs.pk}/edit/").status_code == 404
    with pytest.raises(ValidationError):
        services.session_log_delete(session=theirs, deleted_by=clinician)
    assert SessionLog.objects.filter(pk=theirs.pk).exists()


def test_api_posting_the_same_day_twice_edits_one_session(api_as, athlete_a, prescription_a):
    item = prescription_a.items.first()
    body = {
        "prescription": prescription_a.pk,
        "performed_on": timezone.localdate().isoformat(),
        "entries": [{"exercise": item.exercise_id, "sets_done": 2, "reps_done": 10, "pain_during": 2}],
    }
    client = api_as(athlete_a[0])
    assert client.post("/api/v1/logs/", body, format="json").status_code == 201
    body["entries"][0]["pain_during"] = 6
    second = client.post("/api/v1/logs/", body, format="json")
    assert second.status_code == 200 and second.json()["entries"][0]["pain_during"] == 6
    assert SessionLog.objects.count() == 1


def test_api_requires_pain_and_deletes_own_log_the_same_day(api_as, athlete_a, athlete_b, prescription_a):
    item = prescription_a.items.first()
    body = {
        "prescription": prescription_a.pk,
        "performed_on": timezone.localdate().isoformat(),
        "entries": [{"exercise": item.exercise_id, "sets_done": 2, "reps_done": 10}],
    }
    assert "pain_during" in str(api_as(athlete_a[0]).post("/api/v1/logs/", body, format="json").json())
    session = log(prescription_a, pain=2)
    assert api_as(athlete_b[0]).delete(f"/api/v1/logs/{session.pk}/").status_code == 404
    assert api_as(athlete_a[0]).delete(f"/api/v1/logs/{session.pk}/").status_code == 204
    assert not SessionLog.objects.exists()


def test_clinician_sees_the_athletes_notes_and_their_edits(client, clinician, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    client.post("/portal/log/", portal_form(prescription_a, pain=2, note="Felt easy"))
    client.post("/portal/log/", portal_form(prescription_a, pain=6, note="Knee sore on the step-down"))
    client.force_login(clinician)
    page = client.get(f"/programs/patients/{athlete_a[1].pk}/").content.decode()
    row = page.split('id="sessions"')[1].split("</tr>")[1]
    assert "Knee sore on the step-down" in row and "edited" in row
    edits = page.split('id="log-edits"')[1].split("</ul>")[0]
    assert "pain up to 2/10 → 6/10" in edits


def test_adherence_counts_from_the_programmes_start(athlete_a, visit_a, clinician, hip_template):
    today = timezone.localdate()
    sunday = today - timedelta(days=today.weekday() + 8)  # the Sunday before last
    prescription = services.prescription_create(
        patient=athlete_a[1], program=hip_template, prescribed_by=clinician, visit=visit_a, starts_on=sunday
    )
    weeks = selectors.adherence(patient=athlete_a[1], today=today).weeks
    assert weeks[-1].week_of == sunday + timedelta(days=1)  # not the week that ends on the start day
    assert all(week.planned == 3 for week in weeks)
    log(prescription, on=sunday, pain=1)  # a session on the start day shows that week, done
    weeks = selectors.adherence(patient=athlete_a[1], today=today).weeks
    assert (weeks[-1].week_of, weeks[-1].done, weeks[-1].planned) == (sunday - timedelta(days=6), 1, 1)


def test_a_programme_started_midweek_asks_for_part_of_that_week(athlete_a, clinician, hip_template):
    today = timezone.localdate()
    wednesday = today - timedelta(days=today.weekday() + 5)  # Wednesday of last week
    prescribe(athlete_a[1], clinician, hip_template, starts_days_ago=(today - wednesday).days)
    first = selectors.adherence(patient=athlete_a[1], today=today).weeks[-1]
    assert (first.week_of, first.planned) == (wednesday - timedelta(days=2), 2)  # 5 of 7 days of 3 a week


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_store_one_session(athlete_a, visit_a, clinician, hip_template):
    """Two requests saving the same day at the same moment (a double tap on a slow network)."""
    import threading

    from django.db import connection

    prescription = prescribe(athlete_a[1], clinician, hip_template, visit_a)
    barrier = threading.Barrier(2)
    saved, errors = [], []

    def save(pain: int) -> None:
        try:
            barrier.wait(timeout=10)
            saved.append(log(prescription, pain=pain).pk)
        except Exception as exc:  # any failure is reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(pain,)) for pain in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(saved)) == 1 and SessionLog.objects.count() == 1
