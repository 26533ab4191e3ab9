"""Reads of programs, prescriptions and logs, scoped per user; adherence, pain trend, alerts
and progression suggestions computed from the logs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Case, F, Max, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
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
)
from programs.pain_rules import RISING_SESSIONS, Advice, advice_for, is_rising, too_much, worst_pain
from programs.progression import SessionEntry, Suggestion, suggest

QUIET_ALERT_DAYS = 7  # nothing logged for this long raises an alert


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
        if start < first_start:
            # The week the programme started in part: only the days from the start count, so
            # a programme begun on a Sunday asks nothing of the days before it ("0 of 3").
            days_active = (start + timedelta(days=6) - first_start).days + 1
            planned = max(round(planned * days_active / 7), done)
            if planned == 0:
                break
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
        .values_list("performed_on", "pain_during_peak", "pain_next_morning")[:limit]  # type: ignore[misc]  # annotated above
    )
    return [PainPoint(*row) for row in reversed(sessions)]


@dataclass(frozen=True)
class Alert:
    patient: Patient
    kind: str  # "pain_high" | "pain_rising" | "quiet"
    message: str
    on: date
    session_id: int | None = None  # the session that raised a pain alert
    note: str = ""  # what the athlete wrote with that session (session and exercise notes)
    prescribed_by_id: int | None = None  # who is told in the daily digest

    @property
    def is_pain(self) -> bool:
        return self.kind in ("pain_high", "pain_rising")


@dataclass(frozen=True)
class _AlertSession:
    session_id: int
    performed_on: date
    pain_during: int
    pain_next_morning: int | None
    note: str

    @property
    def worst(self) -> int:
        return worst_pain(self.pain_during, self.pain_next_morning)


def _alert_sessions(patient_ids: list[int], today: date) -> dict[int, list[_AlertSession]]:
    """Per patient, oldest first, the sessions the alerts look at, chosen by the database: the
    RISING_SESSIONS latest of the last 28 days, and the worst of the last 14 days.

    At most four rows a patient instead of every session of four weeks (on the load run's 300
    active programmes, ~1,000 rows instead of ~3,800, each turned into a Python object).
    """
    worst = Greatest(F("pain_during_peak"), Coalesce(F("pain_next_morning"), 0))
    in_last_14_days = Q(performed_on__gte=today - timedelta(days=14))
    rows = list(
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
        .values_list("patient_id", "id", "performed_on", "pain_during_peak", "pain_next_morning", "note")
    )
    # The athlete's words travel with the alert: the session's note and each exercise's note,
    # in one query for the few sessions chosen above.
    notes: dict[int, list[str]] = defaultdict(list)
    entry_notes = (
        ExerciseLog.objects.filter(session_id__in=[row[1] for row in rows])
        .exclude(note="")
        .order_by("session_id", "item__order", "id")
        .values_list("session_id", "note")
    )
    for session_id, note in entry_notes if rows else []:
        notes[session_id].append(note)
    sessions: dict[int, list[_AlertSession]] = defaultdict(list)
    for patient_id, session_id, performed_on, pain_during, pain_next_morning, note in rows:
        text = " · ".join(part.strip() for part in [note, *notes[session_id]] if part.strip())
        sessions[patient_id].append(_AlertSession(session_id, performed_on, pain_during, pain_next_morning, text))
    return sessions


def _active_for_alerts(prescriptions: QuerySet[Prescription]) -> list[Prescription]:
    return list(
        prescriptions.filter(status=PrescriptionStatus.ACTIVE)
        .prefetch_related(None)
        .select_related(None)
        .select_related("patient")
        .only(
            "id",
            "patient_id",
            "starts_on",
            "prescribed_by_id",
            "patient__id",
            "patient__first_name",
            "patient__last_name",
        )
    )


def _alerts_of(prescriptions: list[Prescription], today: date) -> list[Alert]:
    """The alert rules (pain_rules) over each active prescription's patient, in a fixed number of
    queries: each session's peak pain, the sessions that matter and each patient's last session
    day are computed by the database."""
    found: list[Alert] = []
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
        if worst is not None and too_much(worst.worst):
            when = "the next morning" if (worst.pain_next_morning or 0) > worst.pain_during else "during the session"
            found.append(
                Alert(
                    patient,
                    "pain_high",
                    f"Pain {worst.worst}/10 {when} on {worst.performed_on:%d %b}",
                    worst.performed_on,
                    worst.session_id,
                    worst.note,
                    prescription.prescribed_by_id,
                )
            )
        if is_rising([s.worst for s in sessions]):  # the latest sessions are the last rows (oldest first)
            last = sessions[-RISING_SESSIONS:]
            found.append(
                Alert(
                    patient,
                    "pain_rising",
                    f"Pain rising over the last {RISING_SESSIONS} sessions: "
                    + " → ".join(f"{s.worst}/10" for s in last),
                    last[-1].performed_on,
                    last[-1].session_id,
                    last[-1].note,
                    prescription.prescribed_by_id,
                )
            )
        last_day = last_by_patient.get(patient.pk)
        since = last_day or prescription.starts_on
        if (today - since).days >= QUIET_ALERT_DAYS:
            what = f"last session on {last_day:%d %b}" if last_day else "no session since the programme started"
            found.append(Alert(patient, "quiet", f"Nothing logged for {(today - since).days} days ({what})", since))
    order = {"pain_high": 0, "pain_rising": 1, "quiet": 2}
    return sorted(found, key=lambda a: (order[a.kind], -a.on.toordinal(), a.patient.last_name))


def alerts(*, user: Any, today: date | None = None) -> list[Alert]:
    """Clinic-wide alerts over patients with an active prescription that the user may see.

    Pain above 5/10 (during or the next morning) within 14 days, pain rising over three sessions,
    or nothing logged for a week. Computed from the logs on each request, so an alert shows the
    moment the athlete saves the session that raises it.
    """
    if not user.has_perm("patients.view_any_patient"):
        return []  # alerts are a staff view across patients; an athlete has their own portal
    return _alerts_of(_active_for_alerts(prescription_queryset_for(user)), today or timezone.localdate())


def pain_alerts_for_digest(*, today: date | None = None) -> list[Alert]:
    """Every pain alert of the clinic, for the daily digest to each prescribing clinician (a task
    of the system, not a page: no user scope)."""
    today = today or timezone.localdate()
    return [a for a in _alerts_of(_active_for_alerts(Prescription.objects.all()), today) if a.is_pain]


@dataclass(frozen=True)
class ItemSuggestion:
    item: PrescribedExercise
    suggestion: Suggestion


def suggestions(*, prescription: Prescription, today: date | None = None) -> list[ItemSuggestion]:
    """The progression rule applied to each exercise over the last 7 days of logs at its current
    dosage.

    Logs count across the versions of this programme and phase, as long as the exercise had the
    dosage it has now: accepting one exercise's suggestion (a new version) restarts that
    exercise's week, and leaves every other exercise's suggestion as it was.
    """
    today = today or timezone.localdate()
    since = max(today - timedelta(days=6), _chain_start(prescription))
    logs = (
        ExerciseLog.objects.filter(
            session__patient_id=prescription.patient_id,
            session__prescription__program_id=prescription.program_id,
            session__prescription__phase_id=prescription.phase_id,
            session__performed_on__gte=since,
        )
        .select_related("session", "item")
        .order_by("session__performed_on")
    )
    items = list(prescription.items.all())
    current = {item.exercise_id: dosage_values(item) for item in items}
    by_exercise: dict[int, list[SessionEntry]] = defaultdict(list)
    for log in logs:
        if current.get(log.item.exercise_id) != dosage_values(log.item):
            continue  # logged at another dosage: says nothing about this one
        by_exercise[log.item.exercise_id].append(
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
        ItemSuggestion(item, suggest(entries=by_exercise.get(item.exercise_id, []), dosage=item.dosage, rule=rule))
        for item in items
    ]


def _chain_start(prescription: Prescription) -> date:
    """The day the programme started: the first version of an unbroken run of revisions (same
    programme and phase) ending in ``prescription``."""
    starts = (
        Prescription.objects.filter(
            patient_id=prescription.patient_id,
            program_id=prescription.program_id,
            phase_id=prescription.phase_id,
            prescribed_at__lte=prescription.prescribed_at,
        )
        .order_by("-prescribed_at", "-id")
        .values_list("starts_on", "supersedes_id", "id")
    )
    start = prescription.starts_on
    expected = prescription.pk
    for starts_on, supersedes_id, pk in starts:
        if pk != expected:
            break
        start = min(start, starts_on)
        expected = supersedes_id
    return start


def logged_today(*, patient: Patient, today: date | None = None) -> SessionLog | None:
    return (
        SessionLog.objects.filter(patient=patient, performed_on=today or timezone.localdate())
        .select_related("patient")
        .first()
    )


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


def dosage_values(item: PrescribedExercise) -> dict[str, Any]:
    return {name: getattr(item, name) for name in PrescribedExercise.DOSAGE_FIELDS}


def dosage_changes(
    *, version: Prescription, previous: Prescription
) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Per exercise whose dosage ``version`` changed from ``previous``: (before, after)."""
    before = {item.exercise_id: dosage_values(item) for item in previous.items.all()}
    after = {item.exercise_id: dosage_values(item) for item in version.items.all()}
    return {ex: (before[ex], values) for ex, values in after.items() if ex in before and before[ex] != values}


def undoable_versions(history: list[Prescription]) -> set[int]:
    """Ids of the versions (in a patient's prescription history) whose change of dosage can be
    undone: the exercises they changed still have the dosage they set in the active version."""
    by_id = {p.pk: p for p in history}
    active = next((p for p in history if p.is_active), None)
    if active is None:
        return set()
    now = {item.exercise_id: dosage_values(item) for item in active.items.all()}
    found = set()
    for version in history:
        previous = by_id.get(version.supersedes_id)  # type: ignore[arg-type]  # None finds nothing
        if previous is None or previous.phase_id != version.phase_id:
            continue
        changes = dosage_changes(version=version, previous=previous)
        if changes and all(now.get(ex) == after for ex, (_, after) in changes.items()):
            found.add(version.pk)
    return found


@dataclass(frozen=True)
class PainAdvice:
    """What the athlete reads after a session that hurt too much (pain_rules.advice_for)."""

    advice: Advice
    pain: int
    performed_on: date
    next_morning: bool  # the pain was the next-morning one


def pain_advice(*, patient: Patient, today: date | None = None) -> PainAdvice | None:
    """The step-back advice for the athlete's latest session of today or yesterday, if its pain
    (during, or the next morning) was above the acceptable ceiling."""
    today = today or timezone.localdate()
    session = (
        _with_pain_during_peak(SessionLog.objects.filter(patient=patient, performed_on__gte=today - timedelta(days=1)))
        .order_by("-performed_on", "-id")
        .values_list("performed_on", "pain_during_peak", "pain_next_morning")  # type: ignore[misc]  # annotated above
        .first()
    )
    if session is None:
        return None
    performed_on, during, morning = session
    worst = worst_pain(during, morning)
    advice = advice_for(worst)
    if advice == Advice.CARRY_ON:
        return None
    return PainAdvice(advice, worst, performed_on, next_morning=(morning or 0) > during)


def session_log_edits(*, patient: Patient, limit: int = 20) -> list[Any]:
    """The athlete's edits and deletions of their logs, newest first (from the audit trail, where
    every change of a log is written with what it changed)."""
    return list(
        AuditEvent.objects.filter(
            patient_id=patient.pk,
            target_type="programs.sessionlog",
            action__in=[AuditAction.UPDATE, AuditAction.DELETE],
        )
        .exclude(summary__startswith="next-morning")
        .order_by("-at", "-id")[:limit]
    )


def latest_measured_cadence(*, user: Any, patient: Patient) -> tuple[int, date] | None:
    """The cadence (steps/min) of the patient's latest analysed assessment that measured one."""
    if not apps.is_installed("assessments"):
        return None
    from assessments.selectors import patient_assessments

    latest = (
        patient_assessments(user=user, patient=patient)
        .filter(cadence_spm__isnull=False)
        .defer("result", "video_meta", "keyframes")
        .last()
    )
    if latest is None or latest.cadence_spm is None:
        return None
    return round(latest.cadence_spm), latest.measured_on


def visit_choice_labels(*, user: Any, patient: Patient) -> dict[int, str]:
    """A label per visit of the patient that tells visits apart: date, clinician, what was
    measured (hip drop, cadence) and the first words of the notes, numbered within a day."""
    visits = list(patient.visits.select_related("clinician").order_by("visit_date", "id"))
    measured: dict[int, tuple[float | None, float | None]] = {}
    if apps.is_installed("assessments"):
        from assessments.selectors import patient_assessments

        for visit_id, cpd, cadence in (
            patient_assessments(user=user, patient=patient)
            .filter(mean_cpd_deg__isnull=False)
            .values_list("visit_id", "mean_cpd_deg", "cadence_spm")
        ):
            measured[visit_id] = (cpd, cadence)
    per_day: dict[date, int] = defaultdict(int)
    for visit in visits:
        per_day[visit.visit_date] += 1
    seen: dict[date, int] = defaultdict(int)
    labels = {}
    for visit in visits:
        seen[visit.visit_date] += 1
        parts = [f"{visit.visit_date:%d %b %Y}"]
        if per_day[visit.visit_date] > 1:
            parts[0] += f" (visit {seen[visit.visit_date]} of {per_day[visit.visit_date]} that day)"
        parts.append(f"with {visit.clinician.get_full_name() or visit.clinician.username}")
        cpd, cadence = measured.get(visit.pk, (None, None))
        if cpd is not None:
            parts.append(f"hip drop {cpd:.1f}°" + (f", {round(cadence)} spm" if cadence else ""))
        else:
            parts.append("no analysed video")
        words = (visit.subjective or visit.plan).strip().splitlines()
        if words:
            parts.append(f"“{words[0][:40]}{'…' if len(words[0]) > 40 else ''}”")
        labels[visit.pk] = " · ".join(parts)
    return labels


@dataclass(frozen=True)
class QuietAthlete:
    patient: Patient
    last_session_on: date | None  # None: nothing logged since the programme started
    quiet_days: int


def quiet_athletes(
    *, user: Any, today: date | None = None, after_days: int, prescribed_by: Any = None
) -> list[QuietAthlete]:
    """Athletes with an active programme and nothing logged for ``after_days`` days or more, the
    quietest first: the same quiet spell that sends the athlete a reminder e-mail
    (``PROGRAM_REMINDER_AFTER_DAYS``), for the clinician to follow up. Two queries."""
    today = today or timezone.localdate()
    if not user.has_perm("patients.view_any_patient"):
        return []
    prescriptions = _active_for_alerts(prescription_queryset_for(user))
    if prescribed_by is not None:
        prescriptions = [p for p in prescriptions if p.prescribed_by_id == prescribed_by.pk]
    patient_ids = [p.patient_id for p in prescriptions]
    last_by_patient: dict[int, date] = dict(
        SessionLog.objects.filter(patient_id__in=patient_ids)
        .values("patient_id")
        .annotate(last=Max("performed_on"))
        .values_list("patient_id", "last")
    )
    found = []
    for prescription in prescriptions:
        last = last_by_patient.get(prescription.patient_id)
        days = (today - (last or prescription.starts_on)).days
        if days >= after_days:
            found.append(QuietAthlete(prescription.patient, last, days))
    return sorted(found, key=lambda q: (-q.quiet_days, q.patient.last_name))
