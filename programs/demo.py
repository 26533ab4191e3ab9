"""Demo data of the programs app: the demo athlete on the hip-drop template with a few sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from patients.models import Patient
from programs import services
from programs.models import Prescription, Program

TEMPLATE_NAME = "Hip drop, 8 weeks, three phases"
# (days ago, pain during, pain next morning)
DEMO_SESSIONS = ((11, 3, 2), (9, 2, 2), (6, 2, 1), (4, 2, 1), (2, 1, 1))


def seed_programs_demo(*, clinician: Any, athlete_patient: Patient) -> None:
    """Prescribe phase 1 of the template to the demo athlete and log a few sessions. Idempotent."""
    if Prescription.objects.filter(patient=athlete_patient).exists() or athlete_patient.user is None:
        return
    template = Program.objects.filter(name=TEMPLATE_NAME, is_template=True).first()
    if template is None:
        return
    today = timezone.localdate()
    prescription = services.prescription_create(
        patient=athlete_patient,
        program=template,
        prescribed_by=clinician,
        visit=athlete_patient.visits.first(),
        cadence_baseline_spm=164,
        starts_on=today - timedelta(days=12),
    )
    for days_ago, pain, morning in DEMO_SESSIONS:
        entries = [
            services.EntryInput(
                item_id=item.pk,
                sets_done=item.sets,
                reps_done=item.reps,
                hold_s_done=item.hold_s,
                load_kg=item.load_kg,
                pain_during=pain,
            )
            for item in prescription.items.all()
        ]
        services.session_log_create(
            prescription=prescription,
            logged_by=athlete_patient.user,
            entries=entries,
            performed_on=today - timedelta(days=days_ago),
            pain_next_morning=morning,
            note="Felt strong." if pain < 3 else "",
        )
