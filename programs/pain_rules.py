"""The pain-monitoring model in one place: every pain threshold the app acts on, and its tests.

Pure and Django-free. Silbernagel et al. 2007 (Am J Sports Med 35:897) and Thomee 1997: pain up
to 5/10 is acceptable during exercise, it must settle by the next morning, and it must not rise
from week to week. Above 5/10, during a session or the next morning, the load is too much: the
athlete steps back and the clinician hears of it at once. Pain rising over three sessions in a
row tells the clinician too, before it crosses 5. At 8/10 or more the athlete is asked to call
the clinic rather than wait for the clinician.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from itertools import pairwise

PAIN_MAX = 10
SAFE_PAIN_MAX = 3  # 0-3/10: safe, the progression rule may build on it
ACCEPTABLE_PAIN_MAX = 5  # 4-5/10: acceptable; above it the load is too much (step back, alert)
CONTACT_CLINIC_AT = 8  # 8/10 or more: the athlete is asked to call the clinic
RISING_SESSIONS = 3  # pain rising over this many sessions in a row alerts the clinician


class Advice(StrEnum):
    """What the athlete is told after logging a pain score."""

    CARRY_ON = "carry_on"
    STEP_BACK = "step_back"
    CONTACT_CLINIC = "contact_clinic"


def worst_pain(pain_during: int, pain_next_morning: int | None) -> int:
    """The pain of a session as the model reads it: the higher of during and the next morning."""
    return max(pain_during, pain_next_morning or 0)


def too_much(pain: int) -> bool:
    """Above the acceptable ceiling (6/10 and up): step back, and the clinician is alerted."""
    return pain > ACCEPTABLE_PAIN_MAX


def advice_for(pain: int) -> Advice:
    if pain >= CONTACT_CLINIC_AT:
        return Advice.CONTACT_CLINIC
    if too_much(pain):
        return Advice.STEP_BACK
    return Advice.CARRY_ON


def is_rising(pains: Sequence[int]) -> bool:
    """True when the last RISING_SESSIONS pains (oldest first) rise strictly, session after session."""
    last = list(pains)[-RISING_SESSIONS:]
    return len(last) == RISING_SESSIONS and all(a < b for a, b in pairwise(last))
