"""Reads of programs, prescriptions and logs, scoped per user; adherence, pain trend, alerts
and progression suggestions computed from the logs.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Case, F, Max, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.utils import timezone

from patients.models import Patient
from patients.selectors import can_view_clinical, patient_queryset_for
from programs.models import (
    Exercise,
    ExerciseLog,
    PrescribedExercise,
    Prescription,
    PrescriptionStatus,
    Program,
    SessionLog,
)  # fmt: skip
from programs.progression import SessionEntry, Suggestion, suggest

PAIN_ALERT_AT = 7  # pain at or above this (during or next morning) raises an alert
QUIET_ALERT_DAYS = 7  # nothing logged for this long raises an alert
RISING_SESSIONS = 3  # pain rising over this many sessions in a row raises an alert


def exercise_queryset_for(user: Any) -> QuerySet[Exercise]:
    if not user.is_authenticated or not user.has_perm("programs.view_exercise"):
        return Exercise.objects.none()
    exercises = Exercise.objects.select_related("easier", "harder")
    if not user.has_perm("programs.change_exercise"):
        exercises = exercises.filter(is_active=True)
    return exercises


def prescription_queryset_for(user: Any) -> QuerySet[Prescription]:
    if not user.is_authenticated or not user.has_perm("programs.view_prescription") or not can_view_clinical(user):
        return Prescription.objects.none()
    return (
        Prescription.objects.filter(patient__in=patient_queryset_for(user))
        .select_related("patient", "program", "phase", "prescribed_by", "visit")
        .prefetch_related(Prefetch("items", queryset=PrescribedExercise.objects.select_related("exercise")))
    )


def program_queryset_for(user: Any) -> QuerySet[Program]:
    """Clinicians see every program; an athlete only the programs prescribed to them."""
    if not user.is_authenticated or not user.has_perm("programs.view_program") or not can_view_clinical(user):
        return Program.objects.none()
    programs = Program.objects.prefetch_related("phases__exercises__exercise")
    if not user.has_perm("programs.add_program"):
        programs = programs.filter(prescriptions__patient__user=user).distinct()
    return programs


def session_log_queryset_for(user: Any) -> QuerySet[SessionLog]:
    if not user.is_authenticated or not user.has_perm("programs.view_sessionlog") or not can_view_clinical(user):
        return SessionLog.objects.none()
    # Logs are listed by the dozen with three to six exercises each: of the exercise, its name is
    # all a log shows, not its instructions and evidence (the bulk of each Exercise row).
    entries = ExerciseLog.objects.select_related("item__exercise").only(
        "session_id", "item__exercise__name", "sets_done", "reps_done", "hold_s_done", "load_kg", "pain_during", "note"
    )
    return (
        SessionLog.objects.filter(patient__in=patient_queryset_for(user))
        .select_related("patient", "prescription")
        .prefetch_related(Prefetch("entries", queryset=entries))
    )


def active_prescription(*, user: Any, patient: Patient) -> Prescription | None:
    """The prescription in force, with what its pages use: programme, phase and exercises (the
    athlete's portal loads it on every visit, so no joins to the prescriber or the visit)."""
    return (
        prescription_queryset_for(user)
        .select_related(None)
        .select_related("patient", "program", "phase")
        .filter(patient=patient, status=PrescriptionStatus.ACTIVE)
        .first()
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekAdherence:
    week_of: date
    done: int
    planned: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.planned)) if self.planned else 0


@dataclass(frozen=True)
class Adherence:
    this_week: WeekAdherence
    streak_weeks: int  # weeks in a row with every planned session done (this week counts once complete)
    weeks: list[WeekAdherence]  # newest first


def adherence(*, patient: Patient, today: date | None = None, weeks: int = 8) -> Adherence:
    """Sessions done per week against the sessions planned by the prescription active that week."""
    today = today or timezone.localdate()
    prescriptions = list(
        Prescription.objects.filter(patient=patient).prefetch_related("items").order_by("prescribed_at")
    )
    days = set(SessionLog.objects.filter(patient=patient).values_list("performed_on", flat=True))
    first_start = min((p.starts_on for p in prescriptions), default=today)
    rows = []
    monday = week_start(today)
    for offset in range(weeks):
        start = monday - timedelta(weeks=offset)
        if start + timedelta(days=6) < week_start(first_start):
            break
        planned = _planned_sessions(prescriptions, start)
        done = sum(1 for day in days if start <= day <= start + timedelta(days=6))
        rows.append(WeekAdherence(week_of=start, done=done, planned=planned))
    this_week = rows[0] if rows else WeekAdherence(week_of=monday, done=0, planned=0)
    streak = 0
    for index, row in enumerate(rows):
        complete = row.planned and row.done >= row.planned
        if index == 0 and not complete:
            continue  # the week is not over yet: it does not break the streak
        if not complete:
            break
        streak += 1
    return Adherence(this_week=this_week, streak_weeks=streak, weeks=rows)


def _planned_sessions(prescriptions: list[Prescription], monday: date) -> int:
    """Sessions planned in that week: the prescription in force at its end (latest started by then)."""
    sunday = monday + timedelta(days=6)
    in_force = [p for p in prescriptions if p.starts_on <= sunday]
    if not in_force:
        return 0
    return max((item.days_per_week for item in in_force[-1].items.all()), default=0)


@dataclass(frozen=True)
class PainPoint:
    performed_on: date
    pain_during: int
    pain_next_morning: int | None

    @property
    def worst(self) -> int:
        return max(self.pain_during, self.pain_next_morning or 0)


def _with_pain_during_peak(sessions: QuerySet[SessionLog]) -> QuerySet[SessionLog]:
    """Each session's highest pain during any exercise (0 without entries), computed by the database."""
    return sessions.annotate(pain_during_peak=Coalesce(Max("entries__pain_during"), 0))


def pain_trend(*, patient: Patient, limit: int = 20) -> list[PainPoint]:
    """Per session, the highest pain during any exercise and the next-morning pain, oldest first."""
    sessions = (
        _with_pain_during_peak(SessionLog.objects.filter(patient=patient))
        .order_by("-performed_on", "-id")
        .values_list("performed_on", "pain_during_peak", "pain_next_morning")[:limit]
    )
    return [PainPoint(*row) for row in reversed(sessions)]


@dataclass(frozen=True)
class Alert:
    patient: Patient
    kind: str  # "pain_high" | "pain_rising" | "quiet"
    message: str
    on: date


def _alert_sessions(patient_ids: list[int], today: date) -> dict[int, list[PainPoint]]:
    """Per patient, oldest first, the sessions the alerts look at, chosen by the database: the
    RISING_SESSIONS latest of the last 28 days, and the worst of the last 14 days.

    At most four rows a patient instead of every session of four weeks (on the load run's 300
    active programmes, ~1,000 rows instead of ~3,800, each turned into a Python object).
    """
    worst = Greatest(F("pain_during_peak"), Coalesce(F("pain_next_morning"), 0))
    in_last_14_days = Q(performed_on__gte=today - timedelta(days=14))
    rows = (
        _with_pain_during_peak(
            SessionLog.objects.filter(patient_id__in=patient_ids, performed_on__gte=today - timedelta(days=28))
        )
        .annotate(
            latest_rank=Window(
                RowNumber(), partition_by=[F("patient_id")], order_by=[F("performed_on").desc(), F("id").desc()]
            ),
            # Sessions older than 14 days sort last; the caller ignores them for "worst".
            worst_rank=Window(
                RowNumber(),
                partition_by=[F("patient_id")],
                order_by=[
                    Case(When(in_last_14_days, then=worst), default=Value(-1)).desc(),
                    F("performed_on").desc(),
                    F("id").asc(),
                ],
            ),
        )
        .filter(Q(latest_rank__lte=RISING_SESSIONS) | Q(worst_rank=1))
        .order_by("performed_on", "id")
        .values_list("patient_id", "performed_on", "pain_during_peak", "pain_next_morning")
    )
    sessions: dict[int, list[PainPoint]] = defaultdict(list)
    for patient_id, performed_on, pain_during, pain_next_morning in rows:
        sessions[patient_id].append(PainPoint(performed_on, pain_during, pain_next_morning))
    return sessions


def alerts(*, user: Any, today: date | None = None) -> list[Alert]:
    """Clinic-wide alerts over patients with an active prescription that the user may see.

    A fixed number of queries however many patients: each session's peak pain, the sessions
    that matter and each patient's last session day are computed by the database.
    """
    if not user.has_perm("patients.view_any_patient"):
        return []  # alerts are a staff view across patients; an athlete has their own portal
    today = today or timezone.localdate()
    found: list[Alert] = []
    prescriptions = list(
        prescription_queryset_for(user)
        .filter(status=PrescriptionStatus.ACTIVE)
        .prefetch_related(None)
        .select_related(None)
        .select_related("patient")
        .only("id", "patient_id", "starts_on", "patient__id", "patient__first_name", "patient__last_name")
    )
    patient_ids = [p.patient_id for p in prescriptions]
    sessions_by_patient = _alert_sessions(patient_ids, today)
    last_by_patient: dict[int, date] = dict(
        SessionLog.objects.filter(patient_id__in=patient_ids)
        .values("patient_id")
        .annotate(last=Max("performed_on"))
        .values_list("patient_id", "last")
    )
    for prescription in prescriptions:
        patient = prescription.patient
        sessions = sessions_by_patient.get(patient.pk, [])
        high = [s for s in sessions if s.performed_on >= today - timedelta(days=14)]
        worst = max(high, key=lambda s: (s.worst, s.performed_on), default=None)
        if worst is not None and worst.worst >= PAIN_ALERT_AT:
            when = "the next morning" if (worst.pain_next_morning or 0) > worst.pain_during else "during the session"
            found.append(
                Alert(
                    patient,
                    "pain_high",
                    f"Pain {worst.worst}/10 {when} on {worst.performed_on:%d %b}",
                    worst.performed_on,
                )
            )
        if len(sessions) >= RISING_SESSIONS:  # the latest sessions are the last rows (oldest first)
            last = [s.worst for s in sessions[-RISING_SESSIONS:]]
            if all(a < b for a, b in itertools.pairwise(last)):
                found.append(Alert(
                    patient, "pain_rising",
                    f"Pain rising over the last {RISING_SESSIONS} sessions: " + " → ".join(f"{p}/10" for p in last),
                    sessions[-1].performed_on,
                ))  # fmt: skip
        last_day = last_by_patient.get(patient.pk)
        since = last_day or prescription.starts_on
        if (today - since).days >= QUIET_ALERT_DAYS:
            what = f"last session on {last_day:%d %b}" if last_day else "no session since the programme started"
            found.append(Alert(patient, "quiet", f"Nothing logged for {(today - since).days} days ({what})", since))
    order = {"pain_high": 0, "pain_rising": 1, "quiet": 2}
    return sorted(found, key=lambda a: (order[a.kind], -a.on.toordinal(), a.patient.last_name))


@dataclass(frozen=True)
class ItemSuggestion:
    item: PrescribedExercise
    suggestion: Suggestion


def suggestions(*, prescription: Prescription, today: date | None = None) -> list[ItemSuggestion]:
    """The progression rule applied to each exercise over the last 7 days of this prescription's logs."""
    today = today or timezone.localdate()
    since = max(today - timedelta(days=6), prescription.starts_on)
    logs = (
        ExerciseLog.objects.filter(session__prescription=prescription, session__performed_on__gte=since)
        .select_related("session")
        .order_by("session__performed_on")
    )
    by_item: dict[int, list[SessionEntry]] = defaultdict(list)
    for log in logs:
        by_item[log.item_id].append(
            SessionEntry(
                performed_on=log.session.performed_on,
                sets_done=log.sets_done,
                reps_done=log.reps_done,
                hold_s_done=log.hold_s_done,
                pain_during=log.pain_during,
                pain_next_morning=log.session.pain_next_morning,
            )
        )
    rule = prescription.rule
    return [
        ItemSuggestion(item, suggest(entries=by_item.get(item.pk, []), dosage=item.dosage, rule=rule))
        for item in prescription.items.all()
    ]


def logged_today(*, patient: Patient, today: date | None = None) -> SessionLog | None:
    return SessionLog.objects.filter(patient=patient, performed_on=today or timezone.localdate()).first()


def awaiting_next_morning(*, patient: Patient, today: date | None = None) -> SessionLog | None:
    """The latest earlier session whose next-morning pain is not recorded yet (within three days)."""
    today = today or timezone.localdate()
    return (
        SessionLog.objects.filter(
            patient=patient,
            pain_next_morning__isnull=True,
            performed_on__lt=today,
            performed_on__gte=today - timedelta(days=3),
        )
        .order_by("-performed_on")
        .first()
    )


def upcoming_appointments(*, user: Any, patient: Patient) -> list[Any]:
    """The patient's next appointments, when the scheduling app is installed."""
    if not apps.is_installed("scheduling"):
        return []
    from scheduling.selectors import upcoming_for_patient

    return list(upcoming_for_patient(user=user, patient=patient).order_by("starts_at")[:5])


def prescription_history(*, user: Any, patient: Patient) -> QuerySet[Prescription]:
    """Every prescription of the patient, newest first: what was prescribed when."""
    return prescription_queryset_for(user).filter(patient=patient).order_by("-prescribed_at", "-id")


def program_changes(*, patient: Patient) -> list[dict[str, Any]]:
    """Dates a strength program started or changed, oldest first, for marking on trends (the
    hip-drop chart): ``{"date", "kind": "started" | "changed", "label"}``. One query."""
    rows = (
        Prescription.objects.filter(patient=patient)
        .order_by("starts_on", "id")
        .values("starts_on", "program__name", "supersedes_id", "change_reason")
    )
    return [
        {
            "date": row["starts_on"],
            "kind": "changed" if row["supersedes_id"] else "started",
            "label": f"{row['program__name']} {'changed' if row['supersedes_id'] else 'started'}"
            + (f": {row['change_reason']}" if row["change_reason"] else ""),
        }
        for row in rows
    ]
