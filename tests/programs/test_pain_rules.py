"""The pain-monitoring model's thresholds, at every boundary (programs/pain_rules.py)."""

from __future__ import annotations

import pytest

from programs import pain_rules
from programs.pain_rules import Advice, advice_for, is_rising, too_much, worst_pain


@pytest.mark.parametrize(
    ("pain", "expected"),
    [
        (0, Advice.CARRY_ON),
        (3, Advice.CARRY_ON),
        (5, Advice.CARRY_ON),  # up to 5/10 is acceptable
        (6, Advice.STEP_BACK),
        (7, Advice.STEP_BACK),  # above 5: step back (and the clinician is told)
        (8, Advice.CONTACT_CLINIC),
        (10, Advice.CONTACT_CLINIC),  # 8 or more: call the clinic
    ],
)
def test_advice_at_each_pain_score(pain, expected):
    assert advice_for(pain) == expected


@pytest.mark.parametrize(("pain", "expected"), [(5, False), (6, True), (7, True), (8, True)])
def test_too_much_starts_above_5(pain, expected):
    assert too_much(pain) is expected


def test_the_next_morning_counts_as_much_as_during():
    assert worst_pain(2, 6) == 6
    assert worst_pain(6, None) == 6
    assert too_much(worst_pain(3, 6))


@pytest.mark.parametrize(
    ("pains", "expected"),
    [
        ([1, 2, 3], True),
        ([0, 1, 2], True),
        ([5, 1, 2, 4], True),  # only the last three count
        ([1, 2, 2], False),  # level is not rising
        ([3, 2, 4], False),
        ([2, 4], False),  # two sessions are not three
        ([], False),
    ],
)
def test_rising_needs_three_sessions_each_higher(pains, expected):
    assert is_rising(pains) is expected


def test_the_thresholds_are_the_published_ones():
    assert (pain_rules.SAFE_PAIN_MAX, pain_rules.ACCEPTABLE_PAIN_MAX, pain_rules.CONTACT_CLINIC_AT) == (3, 5, 8)
    assert pain_rules.RISING_SESSIONS == 3
