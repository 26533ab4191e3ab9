"""Fixtures of the programs tests: the seeded hip-drop template prescribed to two athletes."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from programs import services
from programs.models import Prescription, Program, SessionLog

TEMPLATE_NAME = "Hip drop, 8 weeks, three phases"
HIP_THREE = {"Side-lying hip abduction", "Side plank on the knees with top-leg hip abduction", "Lateral step-down"}


@pytest.fixture(autouse=True)
def _exercise_library(request):
    """The library and template the data migration seeds.

    Transactional tests anywhere in the suite (browser, worker) flush the tables the migration
    filled; running the migration's own seed function again puts the same rows back.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    ensure_exercise_library()


def ensure_exercise_library() -> None:
    if not Program.objects.filter(name=TEMPLATE_NAME, is_template=True).exists():
        importlib.import_module("programs.migrations.0002_seed_exercise_library").seed(apps, None)


@pytest.fixture
def hip_template(db) -> Program:
    return Program.objects.get(name=TEMPLATE_NAME, is_template=True)


def prescribe(patient, clinician, template, visit=None, starts_days_ago: int = 14) -> Prescription:
    return services.prescription_create(
        patient=patient,
        program=template,
        prescribed_by=clinician,
        visit=visit,
        starts_on=timezone.localdate() - timedelta(days=starts_days_ago),
    )


@pytest.fixture
def prescription_a(athlete_a, visit_a, clinician, hip_template) -> Prescription:
    return prescribe(athlete_a[1], clinician, hip_template, visit_a)


@pytest.fixture
def prescription_b(athlete_b, visit_b, clinician, hip_template) -> Prescription:
    return prescribe(athlete_b[1], clinician, hip_template, visit_b)


def log(
    prescription: Prescription,
    *,
    days_ago: int = 0,
    pain: int = 2,
    morning: int | None = None,
    sets_done: int | None = None,
    on: date | None = None,
) -> SessionLog:
    """Log every exercise of the prescription in full (or ``sets_done`` sets) through the service."""
    entries = [
        services.EntryInput(
            item_id=item.pk,
            sets_done=item.sets if sets_done is None else sets_done,
            reps_done=item.reps,
            hold_s_done=item.hold_s,
            load_kg=item.load_kg,
            pain_during=pain,
        )
        for item in prescription.items.all()
    ]
    return services.session_log_create(
        prescription=prescription,
        logged_by=prescription.patient.user,
        entries=entries,
        performed_on=on or timezone.localdate() - timedelta(days=days_ago),
        pain_next_morning=morning,
    )


def portal_form(prescription: Prescription, *, pain: int | str = 2, note: str = "", **extra: object) -> dict:
    """The portal's log form as the athlete posts it: every exercise done, the same pain for each
    (``pain=""`` leaves it unchosen)."""
    data: dict[str, object] = {"performed_on": timezone.localdate().isoformat(), "note": note}
    for item in prescription.items.all():
        prefix = f"item-{item.pk}"
        data.update(
            {
                f"{prefix}-done": "on",
                f"{prefix}-sets_done": item.sets,
                f"{prefix}-reps_done": item.reps or "",
                f"{prefix}-hold_s_done": item.hold_s or "",
                f"{prefix}-load_kg": "0",
                f"{prefix}-pain_during": pain,
                f"{prefix}-note": "",
            }
        )
    data.update(extra)
    return data
