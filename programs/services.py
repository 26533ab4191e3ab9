"""Writes of programs, prescriptions and logs: validated, audited, atomic.

A prescription is never changed in place: ``prescription_revise`` writes a new version that
supersedes the active one. Athletes only ever write logs, and only against their own active
prescription; dosage is not theirs to change.
"""

from __future__ import annotations

import math
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

from accounts.roles import Role, role_of
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient, Visit
from programs.models import (
    Exercise,
    ExerciseLog,
    InactivityReminder,
    Phase,
    PrescribedExercise,
    Prescription,
    PrescriptionStatus,
    Program,
    ProgramExercise,
    ProgressionRuleFields,
    SessionLog,
)  # fmt: skip

EXERCISE_EDITABLE_FIELDS = (
    "name", "target", "starting_position", "instructions", "key_cues", "common_faults", "evidence",
    "default_sets", "default_reps", "default_hold_s", "default_load_kg", "load_note", "default_days_per_week",
    "easier", "harder", "is_active",
)  # fmt: skip
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
            exercise=exercise, sets=exercise.default_sets, reps=exercise.default_reps, hold_s=exercise.default_hold_s,
            load_kg=exercise.default_load_kg, days_per_week=exercise.default_days_per_week,
        )  # fmt: skip


@transaction.atomic
def program_create(
    *, name: str, created_by: Any, exercises: list[ItemDosage] | None = None, template: Program | None = None,
    description: str = "", gait_cues: str = "", cadence_increase_pct: int | None = None,
) -> Program:  # fmt: skip
    """A new program, copied from a template (phases, dosage, rules) or built from exercises (one phase)."""
    _require_clinician(created_by, "created_by")
    if template is None and not exercises:
        raise ValidationError({"exercises": "Choose at least one exercise or start from a template."})
    program = Program(
        name=name, created_by=created_by, created_from=template,
        description=description or (template.description if template else ""),
        gait_cues=gait_cues or (template.gait_cues if template else ""),
        cadence_increase_pct=cadence_increase_pct if cadence_increase_pct is not None
        else (template.cadence_increase_pct if template else None),
    )  # fmt: skip
    program.full_clean()
    program.save()
    if template is not None:
        for source in template.phases.prefetch_related("exercises"):
            phase = Phase.objects.create(
                program=program, order=source.order, name=source.name, weeks=source.weeks, goal=source.goal,
                **{field: getattr(source, field) for field in ProgressionRuleFields.RULE_FIELDS},
            )  # fmt: skip
            for item in source.exercises.all():
                ProgramExercise.objects.create(
                    phase=phase, exercise_id=item.exercise_id, order=item.order, notes=item.notes,
                    **{field: getattr(item, field) for field in ProgramExercise.DOSAGE_FIELDS},
                )  # fmt: skip
    if exercises:
        phase = program.phases.order_by("order").first()
        if phase is None:
            phase = Phase.objects.create(program=program, order=1, name="Phase 1", weeks=4)
        start = phase.exercises.count()
        for position, dosage in enumerate(exercises, start=start + 1):
            item = ProgramExercise(
                phase=phase, exercise=dosage.exercise, order=position, sets=dosage.sets, reps=dosage.reps,
                hold_s=dosage.hold_s, load_kg=dosage.load_kg, days_per_week=dosage.days_per_week,
            )  # fmt: skip
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
    *, previous: Prescription | None, patient: Patient, program: Program, phase: Phase, visit: Visit | None,
    prescribed_by: Any, items: list[dict[str, Any]], change_reason: str, cadence_baseline_spm: int | None,
    gait_cues: str, starts_on: date | None = None,
) -> Prescription:  # fmt: skip
    """Write a new active prescription, superseding ``previous`` if given."""
    if previous is not None:
        previous.status = PrescriptionStatus.SUPERSEDED
        previous.ended_at = timezone.now()
        previous.save(update_fields=["status", "ended_at"])
    prescription = Prescription(
        patient=patient, visit=visit, program=program, phase=phase, prescribed_by=prescribed_by,
        version=(previous.version + 1) if previous else 1 + Prescription.objects.filter(patient=patient).count(),
        supersedes=previous, starts_on=starts_on or timezone.localdate(), change_reason=change_reason[:255],
        gait_cues=gait_cues, cadence_baseline_spm=cadence_baseline_spm,
        cadence_target_spm=cadence_target(baseline_spm=cadence_baseline_spm, increase_pct=program.cadence_increase_pct),
        **{field: getattr(phase, field) for field in ProgressionRuleFields.RULE_FIELDS},
    )  # fmt: skip
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
    *, patient: Patient, program: Program, prescribed_by: Any, visit: Visit | None = None,
    phase: Phase | None = None, cadence_baseline_spm: int | None = None, starts_on: date | None = None,
) -> Prescription:  # fmt: skip
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
        previous=previous, patient=patient, program=program, phase=phase, visit=visit, prescribed_by=prescribed_by,
        items=items, change_reason=f"Prescribed {program.name}, {phase.name}", gait_cues=program.gait_cues,
        cadence_baseline_spm=cadence_baseline_spm, starts_on=starts_on,
    )  # fmt: skip
    audit_record(
        actor=prescribed_by, action=AuditAction.CREATE, target=prescription, patient_id=patient.pk,
        summary=f"v{prescription.version} {program.name} / {phase.name}",
    )  # fmt: skip
    return prescription


@transaction.atomic
def prescription_revise(
    *, prescription: Prescription, revised_by: Any, dosages: dict[int, dict[str, Any]], reason: str,
) -> Prescription:  # fmt: skip
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
        previous=current, patient=current.patient, program=current.program, phase=current.phase,
        visit=current.visit, prescribed_by=revised_by, items=rows, change_reason=reason,
        cadence_baseline_spm=current.cadence_baseline_spm, gait_cues=current.gait_cues,
    )  # fmt: skip
    audit_record(
        actor=revised_by, action=AuditAction.CREATE, target=new, patient_id=new.patient_id,
        summary=f"v{new.version} supersedes v{current.version}: {reason}",
    )  # fmt: skip
    return new


@dataclass(frozen=True)
class EntryInput:
    item_id: int
    sets_done: int
    reps_done: int | None = None
    hold_s_done: int | None = None
    load_kg: Decimal = Decimal("0")
    pain_during: int = 0
    note: str = ""


@transaction.atomic
def session_log_create(
    *, prescription: Prescription, logged_by: Any, performed_on: date, entries: list[EntryInput],
    note: str = "", pain_next_morning: int | None = None,
) -> SessionLog:  # fmt: skip
    """An athlete logs one session against their own active prescription."""
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
    session = SessionLog(
        prescription=prescription, patient=patient, performed_on=performed_on, note=note,
        pain_next_morning=pain_next_morning, logged_by=logged_by,
    )  # fmt: skip
    # The related rows are the instances checked above: full_clean need not look each one up again
    # (a query per foreign key, per exercise); uniqueness per session is the `seen` check.
    session.full_clean(exclude=["prescription", "patient", "logged_by"])
    session.save()
    for entry in entries:
        log = ExerciseLog(
            session=session, item=items[entry.item_id], sets_done=entry.sets_done, reps_done=entry.reps_done,
            hold_s_done=entry.hold_s_done, load_kg=entry.load_kg, pain_during=entry.pain_during, note=entry.note,
        )  # fmt: skip
        log.full_clean(exclude=["session", "item"])
        log.save()
    audit_record(
        actor=logged_by, action=AuditAction.CREATE, target=session, patient_id=patient.pk,
        summary=f"{len(entries)} exercises, pain up to {max(e.pain_during for e in entries)}/10",
    )  # fmt: skip
    return session


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
        actor=logged_by, action=AuditAction.UPDATE, target=session, patient_id=session.patient_id,
        summary=f"next-morning pain {pain_next_morning}/10",
    )  # fmt: skip
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
                    "patient": patient, "clinic_name": settings.CLINIC_NAME, "clinic_phone": settings.CLINIC_PHONE,
                    "link": settings.SITE_URL + reverse("portal:today"), "program": prescription.program,
                }  # fmt: skip
                message = render_to_string("programs/email/inactivity_reminder.txt", context)
                transaction.on_commit(
                    lambda message=message, email=user.email: send_mail(
                        subject=f"Your strength programme at {settings.CLINIC_NAME}",
                        message=message, from_email=None, recipient_list=[email],
                    )
                )  # fmt: skip
        except IntegrityError:
            continue  # already reminded for this quiet spell
        sent += 1
    return sent
