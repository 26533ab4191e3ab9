"""Writes of programs, prescriptions and logs: validated, audited, atomic.

A prescription is never changed in place: ``prescription_revise`` writes a new version that
supersedes the active one. Athletes only ever write logs, and only against their own active
prescription; dosage is not theirs to change.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, role_of
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient, Visit
from programs import selectors
from programs.models import (
    Exercise,
    ExerciseLog,
    InactivityReminder,
    PainAlertNotice,
    Phase,
    PrescribedExercise,
    Prescription,
    PrescriptionStatus,
    Program,
    ProgramExercise,
    ProgressionRuleFields,
    SessionLog,
)

logger = logging.getLogger(__name__)

EXERCISE_EDITABLE_FIELDS = (
    "name",
    "target",
    "starting_position",
    "instructions",
    "key_cues",
    "common_faults",
    "evidence",
    "default_sets",
    "default_reps",
    "default_hold_s",
    "default_load_kg",
    "load_note",
    "default_days_per_week",
    "easier",
    "harder",
    "is_active",
)
ITEM_DOSAGE_FIELDS = ("sets", "reps", "hold_s", "load_kg", "days_per_week")


def _require_clinician(user: Any, field: str = "prescribed_by") -> None:
    if role_of(user) not in (Role.CLINICIAN, Role.ADMIN):
        raise ValidationError({field: "Only a clinician can do this."})


def _validate_dosage(item: Any) -> None:
    if (item.reps is None) == (item.hold_s is None):
        raise ValidationError({"reps": "Give either repetitions or a hold time in seconds, not both or neither."})


@transaction.atomic
def exercise_update(*, exercise: Exercise, updated_by: Any, data: dict[str, Any]) -> Exercise:
    unknown = set(data) - set(EXERCISE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(exercise, name, value)
    if (exercise.default_reps is None) == (exercise.default_hold_s is None):
        raise ValidationError({"default_reps": "Give either repetitions or a hold time, not both or neither."})
    if exercise.pk is not None and exercise.pk in (exercise.easier_id, exercise.harder_id):
        raise ValidationError({"easier": "An exercise cannot be its own variant."})
    exercise.full_clean()
    exercise.save()
    audit_record(actor=updated_by, action=AuditAction.UPDATE, target=exercise, summary=", ".join(sorted(data)))
    return exercise


@dataclass(frozen=True)
class ItemDosage:
    """The dosage of one exercise as a clinician sets it."""

    exercise: Exercise
    sets: int
    reps: int | None = None
    hold_s: int | None = None
    load_kg: Decimal = Decimal("0")
    days_per_week: int = 3

    @classmethod
    def default_for(cls, exercise: Exercise) -> ItemDosage:
        return cls(
            exercise=exercise,
            sets=exercise.default_sets,
            reps=exercise.default_reps,
            hold_s=exercise.default_hold_s,
            load_kg=exercise.default_load_kg,
            days_per_week=exercise.default_days_per_week,
        )


@transaction.atomic
def program_create(
    *,
    name: str,
    created_by: Any,
    exercises: list[ItemDosage] | None = None,
    template: Program | None = None,
    description: str = "",
    gait_cues: str = "",
    cadence_increase_pct: int | None = None,
) -> Program:
    """A new program, copied from a template (phases, dosage, rules) or built from exercises (one phase)."""
    _require_clinician(created_by, "created_by")
    if template is None and not exercises:
        raise ValidationError({"exercises": "Choose at least one exercise or start from a template."})
    program = Program(
        name=name,
        created_by=created_by,
        created_from=template,
        description=description or (template.description if template else ""),
        gait_cues=gait_cues or (template.gait_cues if template else ""),
        cadence_increase_pct=cadence_increase_pct
        if cadence_increase_pct is not None
        else (template.cadence_increase_pct if template else None),
    )
    program.full_clean()
    program.save()
    if template is not None:
        for source in template.phases.prefetch_related("exercises"):
            phase = Phase.objects.create(
                program=program,
                order=source.order,
                name=source.name,
                weeks=source.weeks,
                goal=source.goal,
                **{field: getattr(source, field) for field in ProgressionRuleFields.RULE_FIELDS},
            )
            for item in source.exercises.all():
                ProgramExercise.objects.create(
                    phase=phase,
                    exercise_id=item.exercise_id,
                    order=item.order,
                    notes=item.notes,
                    **{field: getattr(item, field) for field in ProgramExercise.DOSAGE_FIELDS},
                )
    if exercises:
        first = program.phases.order_by("order").first()
        phase = first if first is not None else Phase.objects.create(program=program, order=1, name="Phase 1", weeks=4)
        start = phase.exercises.count()
        for position, dosage in enumerate(exercises, start=start + 1):
            item = ProgramExercise(
                phase=phase,
                exercise=dosage.exercise,
                order=position,
                sets=dosage.sets,
                reps=dosage.reps,
                hold_s=dosage.hold_s,
                load_kg=dosage.load_kg,
                days_per_week=dosage.days_per_week,
            )
            _validate_dosage(item)
            item.full_clean()
            item.save()
    audit_record(actor=created_by, action=AuditAction.CREATE, target=program, summary=f"from {template or 'exercises'}")
    return program


@transaction.atomic
def program_item_update(*, item: ProgramExercise, updated_by: Any, data: dict[str, Any]) -> ProgramExercise:
    """Change the dosage of one exercise in a program (prescriptions already given keep theirs)."""
    _require_clinician(updated_by, "updated_by")
    if item.phase.program.is_template:
        raise ValidationError({"program": "Templates are not edited here: create a program from the template."})
    for name in ITEM_DOSAGE_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    _validate_dosage(item)
    item.full_clean()
    item.save()
    audit_record(
        actor=updated_by, action=AuditAction.UPDATE, target=item.phase.program, summary=f"dosage of {item.exercise}"
    )
    return item


def cadence_target(*, baseline_spm: int | None, increase_pct: int | None) -> int | None:
    if not baseline_spm or not increase_pct:
        return None
    return math.ceil(baseline_spm * (100 + increase_pct) / 100)


def _snapshot(
    *,
    previous: Prescription | None,
    patient: Patient,
    program: Program,
    phase: Phase,
    visit: Visit | None,
    prescribed_by: Any,
    items: list[dict[str, Any]],
    change_reason: str,
    cadence_baseline_spm: int | None,
    gait_cues: str,
    starts_on: date | None = None,
) -> Prescription:
    """Write a new active prescription, superseding ``previous`` if given."""
    if previous is not None:
        previous.status = PrescriptionStatus.SUPERSEDED
        previous.ended_at = timezone.now()
        previous.save(update_fields=["status", "ended_at"])
    prescription = Prescription(
        patient=patient,
        visit=visit,
        program=program,
        phase=phase,
        prescribed_by=prescribed_by,
        version=(previous.version + 1) if previous else 1 + Prescription.objects.filter(patient=patient).count(),
        supersedes=previous,
        starts_on=starts_on or timezone.localdate(),
        change_reason=change_reason[:255],
        gait_cues=gait_cues,
        cadence_baseline_spm=cadence_baseline_spm,
        cadence_target_spm=cadence_target(baseline_spm=cadence_baseline_spm, increase_pct=program.cadence_increase_pct),
        **{field: getattr(phase, field) for field in ProgressionRuleFields.RULE_FIELDS},
    )
    prescription.full_clean(exclude=["supersedes"])
    prescription.save()
    if not items:
        raise ValidationError({"program": "This phase has no exercises to prescribe."})
    for position, values in enumerate(items, start=1):
        item = PrescribedExercise(prescription=prescription, order=position, **values)
        _validate_dosage(item)
        item.full_clean(exclude=["prescription"])
        item.save()
    return prescription


@transaction.atomic
def prescription_create(
    *,
    patient: Patient,
    program: Program,
    prescribed_by: Any,
    visit: Visit | None = None,
    phase: Phase | None = None,
    cadence_baseline_spm: int | None = None,
    starts_on: date | None = None,
) -> Prescription:
    """Prescribe a program (its first phase unless one is chosen) to a patient at a visit.

    An active prescription of the patient is superseded, not edited.
    """
    _require_clinician(prescribed_by)
    if visit is not None and visit.patient_id != patient.pk:
        raise ValidationError({"visit": "This visit belongs to another patient."})
    if starts_on is not None and starts_on > timezone.localdate() + timedelta(days=30):
        raise ValidationError({"starts_on": "A program starts within the next 30 days."})
    phase = phase or program.phases.order_by("order").first()
    if phase is None or phase.program_id != program.pk:
        raise ValidationError({"phase": "Choose a phase of this program."})
    previous = (
        Prescription.objects.select_for_update().filter(patient=patient, status=PrescriptionStatus.ACTIVE).first()
    )
    items = [
        {"exercise_id": item.exercise_id, "notes": item.notes, **{f: getattr(item, f) for f in ITEM_DOSAGE_FIELDS}}
        for item in phase.exercises.all()
    ]
    prescription = _snapshot(
        previous=previous,
        patient=patient,
        program=program,
        phase=phase,
        visit=visit,
        prescribed_by=prescribed_by,
        items=items,
        change_reason=f"Prescribed {program.name}, {phase.name}",
        gait_cues=program.gait_cues,
        cadence_baseline_spm=cadence_baseline_spm,
        starts_on=starts_on,
    )
    audit_record(
        actor=prescribed_by,
        action=AuditAction.CREATE,
        target=prescription,
        patient_id=patient.pk,
        summary=f"v{prescription.version} {program.name} / {phase.name}",
    )
    return prescription


@transaction.atomic
def prescription_revise(
    *,
    prescription: Prescription,
    revised_by: Any,
    dosages: dict[int, dict[str, Any]],
    reason: str,
) -> Prescription:
    """A new version of an active prescription with some exercises' dosage changed.

    ``dosages`` maps PrescribedExercise ids of ``prescription`` to the new dosage fields.
    """
    _require_clinician(revised_by, "revised_by")
    current = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if current.status != PrescriptionStatus.ACTIVE:
        raise ValidationError({"prescription": "Only the active prescription can be changed."})
    items = list(current.items.all())
    unknown = set(dosages) - {item.pk for item in items}
    if unknown:
        raise ValidationError({"exercises": f"Not part of this prescription: {sorted(unknown)}."})
    rows = []
    for item in items:
        values = {f: getattr(item, f) for f in ITEM_DOSAGE_FIELDS}
        for name, value in dosages.get(item.pk, {}).items():
            if name not in ITEM_DOSAGE_FIELDS:
                raise ValidationError({name: "This field cannot be set here."})
            values[name] = value
        rows.append({"exercise_id": item.exercise_id, "notes": item.notes, **values})
    new = _snapshot(
        previous=current,
        patient=current.patient,
        program=current.program,
        phase=current.phase,
        visit=current.visit,
        prescribed_by=revised_by,
        items=rows,
        change_reason=reason,
        cadence_baseline_spm=current.cadence_baseline_spm,
        gait_cues=current.gait_cues,
    )
    audit_record(
        actor=revised_by,
        action=AuditAction.CREATE,
        target=new,
        patient_id=new.patient_id,
        summary=f"v{new.version} supersedes v{current.version}: {reason}",
    )
    return new


@transaction.atomic
def prescription_undo(*, version: Prescription, undone_by: Any) -> Prescription:
    """Undo one change of dosage (an accepted or edited suggestion): a new version puts the
    exercises that change touched back to the dosage of the version before it. Changes made to
    other exercises since stay, so each accepted suggestion is undone on its own.
    """
    _require_clinician(undone_by, "undone_by")
    previous = version.supersedes
    if previous is None or previous.phase_id != version.phase_id or previous.program_id != version.program_id:
        raise ValidationError({"prescription": "Only a change of dosage can be undone; prescribe again instead."})
    current = (
        Prescription.objects.select_for_update()
        .filter(patient_id=version.patient_id, status=PrescriptionStatus.ACTIVE)
        .first()
    )
    if current is None:
        raise ValidationError({"prescription": "The patient has no active programme to change."})
    changes = selectors.dosage_changes(version=version, previous=previous)
    if not changes:
        raise ValidationError({"prescription": f"Version {version.version} changed no dosage: nothing to undo."})
    now = {item.exercise_id: item for item in current.items.select_related("exercise")}
    dosages = {}
    for exercise_id, (before, after) in changes.items():
        item = now.get(exercise_id)
        if item is None or selectors.dosage_values(item) != after:
            name = item.exercise.name if item else "An exercise"
            raise ValidationError({"prescription": f"{name} has changed again since: change it with Edit instead."})
        dosages[item.pk] = before
    new = prescription_revise(
        prescription=current,
        revised_by=undone_by,
        dosages=dosages,
        reason=f"Undo of v{version.version} ({version.change_reason})"[:255],
    )
    audit_record(
        actor=undone_by,
        action=AuditAction.UPDATE,
        target=version,
        patient_id=version.patient_id,
        summary=f"v{version.version} undone by v{new.version}",
    )
    return new


@dataclass(frozen=True)
class EntryInput:
    """One exercise of a logged session. Pain has no default: the athlete always chooses it."""

    item_id: int
    sets_done: int
    pain_during: int
    reps_done: int | None = None
    hold_s_done: int | None = None
    load_kg: Decimal = Decimal("0")
    note: str = ""


def session_log_changeable(*, session: SessionLog, user: Any, today: date | None = None) -> bool:
    """The athlete may edit or delete their own log on the day they saved it, not later: what
    the clinician has read (and an alert raised) stays as it was."""
    today = today or timezone.localdate()
    return session.patient.user_id == getattr(user, "pk", None) and timezone.localdate(session.created_at) == today


def _log_summary(session: SessionLog) -> dict[str, Any]:
    entries = {
        e.item_id: (e.sets_done, e.reps_done, e.hold_s_done, e.load_kg, e.pain_during, e.note)
        for e in session.entries.all()
    }
    return {
        "entries": entries,
        "pain": max((e[4] for e in entries.values()), default=0),
        "note": session.note,
    }


def _describe_edit(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What an edit changed, in the words a clinician reads in the edit history."""
    parts = []
    if before["pain"] != after["pain"]:
        parts.append(f"pain up to {before['pain']}/10 → {after['pain']}/10")
    if set(before["entries"]) != set(after["entries"]):
        parts.append(f"exercises {len(before['entries'])} → {len(after['entries'])}")
    elif any(before["entries"][k][:4] != after["entries"][k][:4] for k in after["entries"]):
        parts.append("sets, reps or load changed")
    if before["note"] != after["note"] or any(
        before["entries"].get(k, (None,) * 6)[5] != v[5] for k, v in after["entries"].items()
    ):
        parts.append("notes changed")
    return "; ".join(parts) or "saved again, nothing changed"


def _write_entries(session: SessionLog, items: dict[int, PrescribedExercise], entries: list[EntryInput]) -> None:
    for entry in entries:
        log = ExerciseLog(
            session=session,
            item=items[entry.item_id],
            sets_done=entry.sets_done,
            reps_done=entry.reps_done,
            hold_s_done=entry.hold_s_done,
            load_kg=entry.load_kg,
            pain_during=entry.pain_during,
            note=entry.note,
        )
        log.full_clean(exclude=["session", "item"])
        log.save()


def _session_log_edit(
    *,
    session: SessionLog,
    logged_by: Any,
    items: dict[int, PrescribedExercise],
    entries: list[EntryInput],
    note: str,
    pain_next_morning: int | None,
) -> SessionLog:
    if not session_log_changeable(session=session, user=logged_by):
        raise ValidationError(
            {
                "performed_on": f"The session of {session.performed_on:%d %b} was saved on an earlier day, so it "
                "stays as it is. Choose another date, or tell your clinician what changed."
            }
        )
    before = _log_summary(session)
    session.note = note
    if pain_next_morning is not None:
        session.pain_next_morning = pain_next_morning
    session.full_clean(exclude=["prescription", "patient", "logged_by"], validate_constraints=False)
    session.save(update_fields=["note", "pain_next_morning", "updated_at"])
    session.entries.all().delete()
    _write_entries(session, items, entries)
    after = _log_summary(session)
    audit_record(
        actor=logged_by,
        action=AuditAction.UPDATE,
        target=session,
        patient_id=session.patient_id,
        summary=f"edited the session of {session.performed_on:%d %b}: {_describe_edit(before, after)}",
    )
    return session


@transaction.atomic
def session_log_create(
    *,
    prescription: Prescription,
    logged_by: Any,
    performed_on: date,
    entries: list[EntryInput],
    note: str = "",
    pain_next_morning: int | None = None,
) -> SessionLog:
    """An athlete logs one session against their own active prescription.

    One session per programme per day: saving a day that is already logged edits that session
    (the same day it was saved; later it is refused), so a double submit stores one row.
    """
    patient = prescription.patient
    if patient.user_id != getattr(logged_by, "pk", None):
        raise ValidationError({"prescription": "You can only log against your own programme."})
    if prescription.status != PrescriptionStatus.ACTIVE:
        raise ValidationError({"prescription": "This programme has been replaced; log against the current one."})
    if performed_on > timezone.localdate():
        raise ValidationError({"performed_on": "A session cannot be logged in the future."})
    if performed_on < prescription.starts_on - timedelta(days=1):
        raise ValidationError({"performed_on": "This date is before the programme started."})
    if not entries:
        raise ValidationError({"entries": "Log at least one exercise."})
    items = {item.pk: item for item in prescription.items.all()}
    seen: set[int] = set()
    for entry in entries:
        if entry.item_id not in items:
            raise ValidationError({"entries": f"Exercise {entry.item_id} is not part of this programme."})
        if entry.item_id in seen:
            raise ValidationError({"entries": "Each exercise can be logged once per session."})
        seen.add(entry.item_id)
    edit = dict(logged_by=logged_by, items=items, entries=entries, note=note, pain_next_morning=pain_next_morning)
    existing = SessionLog.objects.select_for_update().filter(prescription=prescription, performed_on=performed_on)
    if (session := existing.select_related("patient").first()) is not None:
        return _session_log_edit(session=session, **edit)
    session = SessionLog(
        prescription=prescription,
        patient=patient,
        performed_on=performed_on,
        note=note,
        pain_next_morning=pain_next_morning,
        logged_by=logged_by,
    )
    # The related rows are the instances checked above: full_clean need not look each one up again
    # (a query per foreign key, per exercise); uniqueness per session is the `seen` check, per
    # day the constraint below.
    session.full_clean(exclude=["prescription", "patient", "logged_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # The same day saved a moment ago by a second submit (another request won the insert):
        # this save edits that session, as a second save always does.
        return _session_log_edit(session=existing.select_related("patient").get(), **edit)
    _write_entries(session, items, entries)
    audit_record(
        actor=logged_by,
        action=AuditAction.CREATE,
        target=session,
        patient_id=patient.pk,
        summary=f"{len(entries)} exercises, pain up to {max(e.pain_during for e in entries)}/10",
    )
    return session


@transaction.atomic
def session_log_delete(*, session: SessionLog, deleted_by: Any) -> None:
    """The athlete deletes their own log on the day they saved it; the audit trail keeps what it said."""
    if not session_log_changeable(session=session, user=deleted_by):
        raise ValidationError({"session": "Only your own session, on the day you saved it, can be deleted."})
    summary = _log_summary(session)
    note = f", note: {session.note}" if session.note else ""
    audit_record(
        actor=deleted_by,
        action=AuditAction.DELETE,
        target=session,
        patient_id=session.patient_id,
        summary=f"deleted the session of {session.performed_on:%d %b}: {len(summary['entries'])} exercises, "
        f"pain up to {summary['pain']}/10{note}",
    )
    session.delete()


@transaction.atomic
def session_log_next_morning(*, session: SessionLog, logged_by: Any, pain_next_morning: int) -> SessionLog:
    """Record the next-morning pain of a session (the response that counts most)."""
    if session.patient.user_id != getattr(logged_by, "pk", None):
        raise ValidationError({"session": "You can only add to your own log."})
    if not 0 <= pain_next_morning <= 10:
        raise ValidationError({"pain_next_morning": "Pain is scored from 0 to 10."})
    session.pain_next_morning = pain_next_morning
    session.save(update_fields=["pain_next_morning"])
    audit_record(
        actor=logged_by,
        action=AuditAction.UPDATE,
        target=session,
        patient_id=session.patient_id,
        summary=f"next-morning pain {pain_next_morning}/10",
    )
    return session


def _last_active_on(patient: Patient, prescription: Prescription) -> date:
    last = (
        SessionLog.objects.filter(patient=patient)
        .order_by("-performed_on")
        .values_list("performed_on", flat=True)
        .first()
    )
    first_start = (
        Prescription.objects.filter(patient=patient).order_by("starts_on").values_list("starts_on", flat=True).first()
    )
    return max(filter(None, [last, first_start or prescription.starts_on]))


def inactivity_reminders_send(*, today: date | None = None, after_days: int | None = None) -> int:
    """E-mail each athlete with an active programme and nothing logged for ``after_days`` days.

    Once per quiet spell: the (patient, last active day) pair is unique, so a second run, or two
    workers at once, send nothing new. Returns the number of e-mails queued.
    """
    today = today or timezone.localdate()
    after_days = after_days if after_days is not None else settings.PROGRAM_REMINDER_AFTER_DAYS
    sent = 0
    active = Prescription.objects.filter(status=PrescriptionStatus.ACTIVE, patient__is_active=True).select_related(
        "patient__user"
    )
    for prescription in active:
        patient = prescription.patient
        user = patient.user
        if user is None or not user.is_active or not user.email:
            continue
        last_active = _last_active_on(patient, prescription)
        if (today - last_active).days < after_days:
            continue
        try:
            with transaction.atomic():
                InactivityReminder.objects.create(patient=patient, last_active_on=last_active)
                context = {
                    "patient": patient,
                    "clinic_name": settings.CLINIC_NAME,
                    "clinic_phone": settings.CLINIC_PHONE,
                    "link": settings.SITE_URL + reverse("portal:today"),
                    "program": prescription.program,
                }
                message = render_to_string("programs/email/inactivity_reminder.txt", context)
                transaction.on_commit(
                    lambda message=message, email=user.email: send_mail(  # type: ignore[misc]  # defaults bind this loop's values
                        subject=f"Your strength programme at {settings.CLINIC_NAME}",
                        message=message,
                        from_email=None,
                        recipient_list=[email],
                    )
                )
        except IntegrityError:
            continue  # already reminded for this quiet spell
        sent += 1
    return sent


def pain_alert_digest_send(*, today: date | None = None) -> int:
    """E-mail each prescribing clinician the pain alerts they have not been told of yet, with the
    athlete's note: one e-mail per clinician per run (the daily beat task).

    Idempotent: each alert (session, kind) is written to PainAlertNotice as it is sent, a unique
    pair, so a second run, or two workers at once, tell nothing twice. Returns e-mails queued.
    """
    fresh: dict[int, list[selectors.Alert]] = defaultdict(list)
    alerts = [a for a in selectors.pain_alerts_for_digest(today=today) if a.prescribed_by_id and a.session_id]
    told = set(
        PainAlertNotice.objects.filter(session_id__in=[a.session_id for a in alerts]).values_list("session_id", "kind")
    )
    for alert in alerts:
        if (alert.session_id, alert.kind) not in told:
            fresh[alert.prescribed_by_id].append(alert)  # type: ignore[index]  # alerts carry their prescriber
    clinicians = User.objects.in_bulk(list(fresh))
    sent = 0
    for clinician_id, found in fresh.items():
        clinician = clinicians.get(clinician_id)
        if clinician is None or not clinician.is_active or not clinician.email:
            logger.warning(
                "Pain alert digest: clinician %s has no e-mail; %d alerts only in the site", clinician_id, len(found)
            )
            continue
        with transaction.atomic():
            new = []
            for alert in found:
                try:
                    with transaction.atomic():
                        notice = PainAlertNotice.objects.create(
                            session_id=alert.session_id,
                            kind=alert.kind,
                            clinician=clinician,  # type: ignore[misc]  # alerts come from saved sessions
                            message=alert.message[:255],
                        )
                except IntegrityError:
                    continue  # another run told this one a moment ago
                audit_record(
                    actor=None,
                    action=AuditAction.CREATE,
                    target=notice,
                    patient_id=alert.patient.pk,
                    summary=f"pain alert e-mailed to {clinician.username}: {alert.message}",
                )
                new.append(alert)
            if not new:
                continue
            context = {
                "clinician": clinician,
                "clinic_name": settings.CLINIC_NAME,
                "alerts": [(a, settings.SITE_URL + reverse("programs:patient", args=[a.patient.pk])) for a in new],
                "alerts_link": settings.SITE_URL + reverse("programs:alerts"),
            }
            message = render_to_string("programs/email/pain_alert_digest.txt", context)
            subject = f"{len(new)} pain alert{'s' if len(new) > 1 else ''} at {settings.CLINIC_NAME}"
            transaction.on_commit(
                lambda message=message, email=clinician.email, subject=subject: send_mail(  # type: ignore[misc]  # defaults bind this loop's values
                    subject=subject,
                    message=message,
                    from_email=None,
                    recipient_list=[email],
                )
            )
        logger.info("Pain alert digest: %d alerts e-mailed to clinician %s", len(new), clinician_id)
        sent += 1
    return sent
