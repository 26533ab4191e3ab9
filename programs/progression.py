"""The progression rule: from a week of logs and the current dosage, progress, hold or step back.

Pure and Django-free. Pain follows the pain-monitoring model (Silbernagel et al. 2007;
Thomee 1997): 0-3/10 is safe, 4-5/10 acceptable, above 5/10 too much, and the response the next
morning counts most. The ladder is the usual one: add reps up to the phase's ceiling, then a set
(reps back to the floor), then load (sets and reps back to the floor) once sets are at their
ceiling. Holds climb by seconds instead of reps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from programs.pain_rules import SAFE_PAIN_MAX, too_much, worst_pain


class Decision(StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    STEP_BACK = "step_back"


@dataclass(frozen=True)
class Dosage:
    sets: int
    reps: int | None = None  # a repetition exercise has reps ...
    hold_s: int | None = None  # ... a hold exercise has seconds
    load_kg: Decimal = Decimal("0")
    days_per_week: int = 3


@dataclass(frozen=True)
class Rule:
    """How one phase progresses; the defaults suit most hip exercises."""

    reps_min: int = 8
    reps_max: int = 15
    rep_step: int = 2
    sets_max: int = 3
    load_step_kg: Decimal = Decimal("1")
    hold_min_s: int = 20
    hold_max_s: int = 60
    hold_step_s: int = 10


@dataclass(frozen=True)
class SessionEntry:
    """One exercise in one logged session."""

    performed_on: date
    sets_done: int
    reps_done: int | None
    hold_s_done: int | None
    pain_during: int
    pain_next_morning: int | None  # recorded the morning after, may be missing


@dataclass(frozen=True)
class Suggestion:
    decision: Decision
    dosage: Dosage
    reason: str


def _completed(entry: SessionEntry, dosage: Dosage) -> bool:
    if entry.sets_done < dosage.sets:
        return False
    if dosage.hold_s is not None:
        return (entry.hold_s_done or 0) >= dosage.hold_s
    return (entry.reps_done or 0) >= (dosage.reps or 0)


def progress_dosage(dosage: Dosage, rule: Rule) -> Dosage:
    """One rung up the ladder: reps (or seconds), then a set, then load."""
    if dosage.hold_s is not None:
        if dosage.hold_s + rule.hold_step_s <= rule.hold_max_s:
            return replace(dosage, hold_s=dosage.hold_s + rule.hold_step_s)
        if dosage.sets < rule.sets_max:
            return replace(dosage, sets=dosage.sets + 1, hold_s=rule.hold_min_s)
        return replace(dosage, load_kg=dosage.load_kg + rule.load_step_kg, hold_s=rule.hold_min_s)
    reps = dosage.reps or rule.reps_min
    if reps + rule.rep_step <= rule.reps_max:
        return replace(dosage, reps=reps + rule.rep_step)
    if dosage.sets < rule.sets_max:
        return replace(dosage, sets=dosage.sets + 1, reps=rule.reps_min)
    return replace(dosage, load_kg=dosage.load_kg + rule.load_step_kg, reps=rule.reps_min)


def step_back_dosage(dosage: Dosage, rule: Rule) -> Dosage:
    """One rung down: less load first (the latest thing added), then fewer reps or seconds down to
    the phase's floor, then a set fewer; at one set, below the floor."""
    if dosage.load_kg > 0:
        return replace(dosage, load_kg=max(Decimal("0"), dosage.load_kg - rule.load_step_kg))
    if dosage.hold_s is not None:
        if dosage.hold_s > rule.hold_min_s:
            return replace(dosage, hold_s=max(rule.hold_min_s, dosage.hold_s - rule.hold_step_s))
        if dosage.sets > 1:
            return replace(dosage, sets=dosage.sets - 1)
        return replace(dosage, hold_s=max(5, dosage.hold_s - rule.hold_step_s))
    reps = dosage.reps or rule.reps_min
    if reps > rule.reps_min:
        return replace(dosage, reps=max(rule.reps_min, reps - rule.rep_step))
    if dosage.sets > 1:
        return replace(dosage, sets=dosage.sets - 1)
    return replace(dosage, reps=max(1, reps - rule.rep_step))


def _describe(dosage: Dosage) -> str:
    amount = f"{dosage.hold_s} s" if dosage.hold_s is not None else f"{dosage.reps} reps"
    load = f" + {dosage.load_kg.normalize():f} kg" if dosage.load_kg else ""
    return f"{dosage.sets} x {amount}{load}"


def suggest(*, entries: Sequence[SessionEntry], dosage: Dosage, rule: Rule) -> Suggestion:
    """Decide the next dosage of one exercise from its entries over one week (oldest first).

    Step back wins over everything: any pain above 5/10, during or the next morning, or a
    next-morning pain higher than the pain during that session. Progress needs every
    prescribed session done in full, pain at most 3/10 during and the next morning, and the
    next-morning pain recorded for each session (it counts most, so it cannot be assumed).
    """
    entries = sorted(entries, key=lambda entry: entry.performed_on)
    for entry in entries:
        worst = worst_pain(entry.pain_during, entry.pain_next_morning)
        if too_much(worst):
            when = "the next morning" if (entry.pain_next_morning or 0) > entry.pain_during else "during the session"
            new = step_back_dosage(dosage, rule)
            return Suggestion(
                Decision.STEP_BACK,
                new,
                f"Pain reached {worst}/10 {when} on {entry.performed_on:%d %b} (above 5/10 is too much): "
                f"step back to {_describe(new)}.",
            )
    for entry in entries:
        if entry.pain_next_morning is not None and entry.pain_next_morning > entry.pain_during:
            new = step_back_dosage(dosage, rule)
            return Suggestion(
                Decision.STEP_BACK,
                new,
                f"Pain rose the next morning after {entry.performed_on:%d %b} "
                f"({entry.pain_during}/10 during, {entry.pain_next_morning}/10 next morning): "
                f"step back to {_describe(new)}.",
            )
    sessions = len({entry.performed_on for entry in entries})
    if sessions < dosage.days_per_week:
        return Suggestion(
            Decision.HOLD,
            dosage,
            f"{sessions} of {dosage.days_per_week} sessions done in the week: keep {_describe(dosage)}.",
        )
    if not all(_completed(entry, dosage) for entry in entries):
        return Suggestion(Decision.HOLD, dosage, f"Not every set was completed yet: keep {_describe(dosage)}.")
    if any(entry.pain_next_morning is None for entry in entries):
        return Suggestion(
            Decision.HOLD,
            dosage,
            f"Next-morning pain is missing for a session: keep {_describe(dosage)} until it is known.",
        )
    worst = max(max(entry.pain_during, entry.pain_next_morning or 0) for entry in entries)
    if worst > SAFE_PAIN_MAX:
        return Suggestion(
            Decision.HOLD,
            dosage,
            f"Pain up to {worst}/10 is acceptable but not yet safe to build on: keep {_describe(dosage)}.",
        )
    new = progress_dosage(dosage, rule)
    return Suggestion(
        Decision.PROGRESS,
        new,
        f"All {sessions} sessions done in full with pain at most {worst}/10 during and the next morning: "
        f"progress to {_describe(new)}.",
    )
