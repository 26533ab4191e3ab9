"""The athlete portal and the clinician's program pages, as each role sees them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from programs.models import Prescription, SessionLog
from tests.programs.conftest import HIP_THREE, log

pytestmark = pytest.mark.django_db


def _log_form(prescription, pain=2, **extra):
    data = {"performed_on": timezone.localdate().isoformat(), "note": ""}
    for item in prescription.items.all():
        prefix = f"item-{item.pk}"
        data.update(
            {
                f"{prefix}-done": "on",
                f"{prefix}-sets_done": item.sets,
                f"{prefix}-reps_done": item.reps or "",
                f"{prefix}-load_kg": "0",
                f"{prefix}-pain_during": pain,
                f"{prefix}-note": "",
            }
        )
    data.update(extra)
    return data


def test_athlete_lands_on_the_portal_with_todays_three_hip_exercises(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    page = response.content.decode()
    for name in HIP_THREE:
        assert name in page
    assert "2 x 10 reps · 3x a week" in page
    assert "programs/exercises/side-lying-hip-abduction.svg" in page
    assert "0 of 3 sessions done this week" in page
    assert "Run with your knees apart" in page


def test_athlete_logs_a_session_and_adherence_updates(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    response = client.post("/portal/log/", _log_form(prescription_a, pain=2), follow=True)
    page = response.content.decode()
    assert "Session saved. Great work" in page
    assert "1 of 3 sessions done this week" in page
    session = SessionLog.objects.get()
    assert [entry.pain_during for entry in session.entries.all()] == [2, 2, 2]
    assert AuditEvent.objects.filter(target_type="programs.sessionlog", action="create").count() == 1


def test_bad_portal_log_shows_messages_and_saves_nothing(client, athlete_a, prescription_a):
    client.force_login(athlete_a[0])
    item = prescription_a.items.first()
    data = _log_form(prescription_a, performed_on="2999-01-01", **{f"item-{item.pk}-sets_done": "-1"})
    response = client.post("/portal/log/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be logged in the future" in page
    assert "greater than or equal to 0" in page
    assert SessionLog.objects.count() == 0


def test_athlete_records_next_morning_pain_on_the_portal(client, athlete_a, prescription_a):
    session = log(prescription_a, days_ago=1)
    client.force_login(athlete_a[0])
    assert "How do you feel this morning?" in client.get("/portal/").content.decode()
    client.post(f"/portal/sessions/{session.pk}/next-morning/", {"pain_next_morning": "1"})
    session.refresh_from_db()
    assert session.pain_next_morning == 1
    assert "How do you feel this morning?" not in client.get("/portal/").content.decode()


def test_athlete_cannot_answer_for_another_athletes_session(client, athlete_a, prescription_a, prescription_b):
    theirs = log(prescription_b, days_ago=1)
    client.force_login(athlete_a[0])
    assert client.post(f"/portal/sessions/{theirs.pk}/next-morning/", {"pain_next_morning": "9"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.pain_next_morning is None


def test_history_shows_own_sessions_only(client, athlete_a, prescription_a, prescription_b):
    log(prescription_a, days_ago=2, pain=1)
    log(prescription_b, days_ago=1, pain=6)
    client.force_login(athlete_a[0])
    page = client.get("/portal/history/").content.decode()
    assert "pain 1/10" in page and "pain 6/10" not in page


def test_portal_language_stays_positive(client, athlete_a, prescription_a):
    log(prescription_a, days_ago=1, pain=2)
    client.force_login(athlete_a[0])
    for url in ("/portal/", "/portal/history/"):
        page = client.get(url).content.decode().lower()
        for word in ("weak", "dead butt", "failed", "lazy", "poor"):
            assert word not in page, (url, word)


def test_staff_cannot_use_the_portal_and_athletes_cannot_use_staff_pages(
    client, clinician, front_desk, athlete_a, prescription_a
):
    client.force_login(front_desk)
    assert client.get("/portal/").status_code == 404
    assert client.get(f"/programs/patients/{athlete_a[1].pk}/").status_code == 403
    assert client.get("/programs/").status_code == 403
    client.force_login(athlete_a[0])
    assert client.get(f"/programs/patients/{athlete_a[1].pk}/").status_code == 403
    assert client.get(f"/programs/patients/{athlete_a[1].pk}/prescribe/").status_code == 403


def test_clinician_sees_adherence_pain_trend_and_history(client, clinician, athlete_a, prescription_a):
    log(prescription_a, days_ago=1, pain=2, morning=1)
    client.force_login(clinician)
    detail = client.get(f"/patients/{athlete_a[1].pk}/").content.decode()
    assert f"/programs/patients/{athlete_a[1].pk}/" in detail
    page = client.get(f"/programs/patients/{athlete_a[1].pk}/").content.decode()
    assert "Adherence by week" in page and "of 3</td>" in page
    assert "<polyline" in page  # pain trend
    assert "2/10 during, 1/10 next morning" in page
    assert "v1 ·" in page and "Lateral step-down" in page


def test_clinician_accepts_a_suggestion_in_one_click_creating_a_new_version(client, clinician, prescription_a):
    for days_ago in (5, 3, 1):
        log(prescription_a, days_ago=days_ago, pain=1, morning=1)
    client.force_login(clinician)
    page = client.get(f"/programs/patients/{prescription_a.patient_id}/").content.decode()
    assert "progress to 2 x 12 reps" in page
    item = prescription_a.items.get(exercise__slug="side-lying-hip-abduction")
    form = {
        "item": item.pk,
        "sets": 2,
        "reps": 12,
        "hold_s": "",
        "load_kg": "0",
        "days_per_week": 3,
        "reason": "progress to 2 x 12 reps",
    }
    response = client.post(f"/programs/prescriptions/{prescription_a.pk}/revise/", form)
    assert response.status_code == 302
    new = Prescription.objects.get(status="active")
    assert new.version == 2 and new.supersedes_id == prescription_a.pk
    assert new.items.get(exercise__slug="side-lying-hip-abduction").reps == 12
    assert prescription_a.items.get(pk=item.pk).reps == 10


def test_clinician_edits_a_suggestion_before_accepting(client, clinician, prescription_a):
    item = prescription_a.items.get(exercise__slug="lateral-step-down")
    client.force_login(clinician)
    form_page = client.get(f"/programs/prescriptions/{prescription_a.pk}/revise/?item={item.pk}")
    assert "Suggested by the progression rule" in form_page.content.decode()
    form = {"item": item.pk, "sets": 3, "reps": 8, "hold_s": "", "load_kg": "0", "days_per_week": 3, "reason": "Ready"}
    client.post(f"/programs/prescriptions/{prescription_a.pk}/revise/", form)
    assert Prescription.objects.get(status="active").items.get(exercise__slug="lateral-step-down").sets == 3


def test_clinician_prescribes_from_the_patient_page(client, clinician, athlete_a, visit_a, hip_template):
    client.force_login(clinician)
    response = client.post(
        f"/programs/patients/{athlete_a[1].pk}/prescribe/",
        {"program": hip_template.pk, "visit": visit_a.pk, "cadence_baseline_spm": "165", "phase": ""},
    )
    assert response.status_code == 302
    prescription = Prescription.objects.get(patient=athlete_a[1])
    assert prescription.visit == visit_a and prescription.cadence_target_spm == 177


def test_clinician_builds_a_program_from_the_template_and_changes_dosage(client, clinician, hip_template):
    client.force_login(clinician)
    response = client.post("/programs/new/", {"name": "Ada's plan", "template": hip_template.pk})
    program = hip_template.__class__.objects.get(name="Ada's plan")
    assert response["Location"] == f"/programs/{program.pk}/"
    item = program.phases.get(order=1).exercises.first()
    client.post(f"/programs/items/{item.pk}/dosage/", {"sets": 3, "reps": 12, "load_kg": "0", "days_per_week": 4})
    item.refresh_from_db()
    assert (item.sets, item.reps, item.days_per_week) == (3, 12, 4)
    assert hip_template.phases.get(order=1).exercises.first().sets == 2  # template untouched


def test_portal_shows_own_assessment_summaries_in_encouraging_words(
    client, athlete_a, visit_a, prescription_a, visit_b
):
    from assessments.models import Assessment

    def analysed(visit, left, right, flags=()):
        return Assessment.objects.create(
            visit=visit,
            patient=visit.patient,
            video="x.mp4",
            video_sha256="0" * 64,
            video_size_bytes=1,
            status="done",
            analysed_at=timezone.now(),
            cpd_left_mean_deg=left,
            cpd_right_mean_deg=right,
            mean_cpd_deg=(left + right) / 2,
            n_left=9,
            n_right=9,
            result={"quality": {"flags": [{"code": c, "message": "Too few steps."} for c in flags]}},
        )

    analysed(visit_a, 9.0, 8.0)
    later = visit_a.__class__.objects.create(
        patient=visit_a.patient, clinician=visit_a.clinician, visit_date=timezone.localdate()
    )
    analysed(later, 5.5, 4.0)
    analysed(visit_b, 12.0, 12.0)
    unsure = visit_a.__class__.objects.create(
        patient=visit_a.patient, clinician=visit_a.clinician, visit_date=timezone.localdate()
    )
    analysed(unsure, 17.5, 17.5, flags=["too_short"])  # low confidence, not accepted: no words from it
    client.force_login(athlete_a[0])
    page = client.get("/portal/").content.decode()
    assert "Your running assessments" in page
    assert "within 4.8° of level" in page
    assert "Your pelvis stayed steadier than on" in page and "left and right foot" in page
    assert "12.0°" not in page and "17.5°" not in page
    assert "dip" not in page.lower()


def test_clinician_browses_library_programs_and_prescribe_form(client, clinician, athlete_a, visit_a, hip_template):
    client.force_login(clinician)
    library = client.get("/programs/exercises/").content.decode()
    assert "Single-leg Romanian deadlift" in library and "Clamshell" in library
    exercise = client.get("/programs/exercises/side-plank-hip-abduction/").content.decode()
    assert "103% MVIC" in exercise and "Side plank on the knees with top-leg hip abduction" in exercise
    programs = client.get("/programs/").content.decode()
    assert "Hip drop, 8 weeks, three phases" in programs and "template" in programs
    detail = client.get(f"/programs/{hip_template.pk}/").content.decode()
    assert "Phase 3: strength for running" in detail and "Run with your knees apart" in detail
    assert "+7% over the measured cadence" in detail
    form = client.get(f"/programs/patients/{athlete_a[1].pk}/prescribe/").content.decode()
    assert "Measured cadence" in form and visit_a.visit_date.strftime("%Y") in form


def test_portal_lists_own_upcoming_appointments(client, athlete_a, athlete_b, clinician, prescription_a):
    from datetime import timedelta

    from scheduling.models import Appointment, AppointmentType

    kind, _ = AppointmentType.objects.get_or_create(name="Follow-up", defaults={"default_duration_min": 30})
    starts = timezone.now() + timedelta(days=3)
    for hours, patient in enumerate((athlete_a[1], athlete_b[1])):
        Appointment.objects.create(
            patient=patient,
            clinician=clinician,
            appointment_type=kind,
            starts_at=starts + timedelta(hours=2 * hours),
            ends_at=starts + timedelta(hours=2 * hours, minutes=30),
        )
    client.force_login(athlete_a[0])
    response = client.get("/portal/")
    assert len(response.context["appointments"]) == 1
    assert response.context["appointments"][0].patient == athlete_a[1]
    assert "Upcoming appointments" in response.content.decode()
