"""The progression rule on made-up weeks of logs: progress, hold, step back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from programs.progression import Decision, Dosage, Rule, SessionEntry, progress_dosage, step_back_dosage, suggest

MONDAY = date(2026, 11, 2)
RULE = Rule(reps_min=8, reps_max=15, rep_step=2, sets_max=3, load_step_kg=Decimal("1"))


def week(pains, mornings=(1, 1, 1), sets_done=3, reps_done=10, days=(0, 2, 4), hold_s_done=None):
    return [
        SessionEntry(
            performed_on=MONDAY + timedelta(days=day),
            sets_done=sets_done,
            reps_done=reps_done,
            hold_s_done=hold_s_done,
            pain_during=pain,
            pain_next_morning=morning,
        )
        for day, pain, morning in zip(days, pains, mornings, strict=False)
    ]


DOSAGE = Dosage(sets=3, reps=10, days_per_week=3)


def test_full_week_with_low_pain_adds_reps():
    result = suggest(entries=week((2, 3, 1)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.PROGRESS
    assert result.dosage == Dosage(sets=3, reps=12, days_per_week=3)
    assert "progress to 3 x 12 reps" in result.reason


def test_at_the_rep_ceiling_progress_adds_a_set_and_resets_reps():
    dosage = Dosage(sets=2, reps=14, days_per_week=3)
    result = suggest(entries=week((1, 1, 1), reps_done=14, sets_done=2), dosage=dosage, rule=RULE)
    assert result.decision == Decision.PROGRESS
    assert (result.dosage.sets, result.dosage.reps) == (3, 8)


def test_at_the_set_and_rep_ceiling_progress_adds_load():
    dosage = Dosage(sets=3, reps=14, load_kg=Decimal("2"), days_per_week=3)
    assert progress_dosage(dosage, RULE) == Dosage(sets=3, reps=8, load_kg=Decimal("3"), days_per_week=3)


def test_hold_exercise_progresses_by_seconds():
    dosage = Dosage(sets=3, hold_s=30, days_per_week=3)
    result = suggest(entries=week((1, 1, 2), reps_done=None, hold_s_done=30), dosage=dosage, rule=RULE)
    assert result.decision == Decision.PROGRESS
    assert result.dosage.hold_s == 40


def test_missed_session_holds():
    result = suggest(entries=week((1, 1), days=(0, 2)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.HOLD
    assert result.dosage == DOSAGE
    assert "2 of 3 sessions" in result.reason


def test_incomplete_sets_hold():
    result = suggest(entries=week((1, 1, 1), sets_done=2), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.HOLD
    assert "Not every set" in result.reason


def test_acceptable_pain_of_4_or_5_holds():
    result = suggest(entries=week((2, 5, 3), mornings=(1, 1, 1)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.HOLD
    assert "5/10 is acceptable" in result.reason


def test_missing_next_morning_pain_holds_because_it_counts_most():
    result = suggest(entries=week((1, 1, 1), mornings=(1, None, 1)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.HOLD
    assert "Next-morning pain is missing" in result.reason


def test_pain_above_5_during_steps_back():
    result = suggest(entries=week((2, 6, 2), mornings=(1, 6, 1)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.STEP_BACK
    assert result.dosage == Dosage(sets=3, reps=8, days_per_week=3)
    assert "6/10" in result.reason


def test_pain_rising_next_morning_steps_back_even_when_low():
    result = suggest(entries=week((2, 2, 2), mornings=(1, 3, 1)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.STEP_BACK
    assert "rose the next morning" in result.reason
    assert "2/10 during, 3/10 next morning" in result.reason


def test_next_morning_above_5_steps_back_and_says_when():
    result = suggest(entries=week((4, 4, 4), mornings=(4, 7, 4)), dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.STEP_BACK
    assert "7/10 the next morning" in result.reason


def test_step_back_removes_load_first_then_reps_then_a_set():
    loaded = Dosage(sets=3, reps=10, load_kg=Decimal("2"), days_per_week=3)
    assert step_back_dosage(loaded, RULE).load_kg == Decimal("1")
    assert step_back_dosage(Dosage(sets=3, reps=10), RULE).reps == 8
    at_floor = step_back_dosage(Dosage(sets=3, reps=8), RULE)
    assert (at_floor.sets, at_floor.reps) == (2, 8)


def test_no_logs_holds():
    result = suggest(entries=[], dosage=DOSAGE, rule=RULE)
    assert result.decision == Decision.HOLD
    assert "0 of 3 sessions" in result.reason
