"""Building programs and prescribing them: versions supersede, history is kept, dosage snapshot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from programs import services
from programs.models import Exercise, Prescription, PrescriptionStatus
from tests.programs.conftest import HIP_THREE, log

pytestmark = pytest.mark.django_db


def test_prescribing_the_template_attaches_phase_one_to_patient_and_visit(prescription_a, athlete_a, visit_a):
    assert prescription_a.patient == athlete_a[1]
    assert prescription_a.visit == visit_a
    assert prescription_a.status == PrescriptionStatus.ACTIVE
    assert {item.exercise.name for item in prescription_a.items.all()} == HIP_THREE
    assert prescription_a.sessions_per_week == 3


def test_a_new_prescription_supersedes_the_active_one_and_keeps_history(prescription_a, clinician, hip_template):
    phase_two = hip_template.phases.get(order=2)
    newer = services.prescription_create(
        patient=prescription_a.patient, program=hip_template, phase=phase_two, prescribed_by=clinician
    )
    prescription_a.refresh_from_db()
    assert prescription_a.status == PrescriptionStatus.SUPERSEDED
    assert newer.supersedes == prescription_a and newer.version == 2
    assert list(Prescription.objects.filter(patient=prescription_a.patient).values_list("version", "status")) == [
        (2, "active"),
        (1, "superseded"),
    ]
    assert {item.exercise.slug for item in prescription_a.items.all()} >= {"lateral-step-down"}


def test_revising_writes_a_new_version_and_never_edits_the_old_dosage(prescription_a, clinician):
    item = prescription_a.items.get(exercise__slug="side-lying-hip-abduction")
    new = services.prescription_revise(
        prescription=prescription_a, revised_by=clinician, dosages={item.pk: {"reps": 12}}, reason="progress"
    )
    item.refresh_from_db()
    assert item.reps == 10
    assert new.items.get(exercise__slug="side-lying-hip-abduction").reps == 12
    assert new.items.count() == 3
    with pytest.raises(ValidationError, match="Only the active prescription"):
        services.prescription_revise(prescription=prescription_a, revised_by=clinician, dosages={}, reason="x")


def test_cadence_target_is_5_to_10_percent_over_measured(athlete_a, clinician, hip_template):
    prescription = services.prescription_create(
        patient=athlete_a[1], program=hip_template, prescribed_by=clinician, cadence_baseline_spm=160
    )
    assert prescription.cadence_target_spm == 172  # +7%, rounded up
    assert "Run with your knees apart" in prescription.gait_cue_list


def test_program_built_from_exercises_gets_their_default_dosage(clinician):
    exercises = list(Exercise.objects.filter(slug__in=["clamshell", "glute-bridge"]).order_by("slug"))
    program = services.program_create(
        name="Early hip",
        created_by=clinician,
        gait_cues="Run with your knees apart",
        exercises=[services.ItemDosage.default_for(exercise) for exercise in exercises],
    )
    items = list(program.phases.get().exercises.all())
    assert [(i.exercise.slug, i.sets, i.reps) for i in items] == [("clamshell", 3, 15), ("glute-bridge", 3, 12)]


def test_program_from_template_copies_phases_and_rules(clinician, hip_template):
    program = services.program_create(name="Alex's hip plan", created_by=clinician, template=hip_template)
    assert program.phases.count() == 3
    assert program.phases.get(order=3).load_step_kg == Decimal("2.5")
    assert program.created_from == hip_template


def test_front_desk_cannot_prescribe(front_desk, athlete_a, hip_template):
    with pytest.raises(ValidationError, match="Only a clinician"):
        services.prescription_create(patient=athlete_a[1], program=hip_template, prescribed_by=front_desk)


def test_logs_against_a_superseded_prescription_are_refused(prescription_a, clinician, hip_template):
    services.prescription_create(patient=prescription_a.patient, program=hip_template, prescribed_by=clinician)
    prescription_a.refresh_from_db()
    with pytest.raises(ValidationError, match="replaced"):
        log(prescription_a)
