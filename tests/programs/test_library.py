"""The seeded exercise library and the hip-drop template."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings

from programs.models import Exercise
from tests.programs.conftest import HIP_THREE

pytestmark = pytest.mark.django_db

REQUIRED = {
    "side-lying-hip-abduction",
    "side-plank-hip-abduction",
    "side-plank-knees-bent-hip-abduction",
    "single-leg-squat",
    "lateral-step-down",
    "clamshell",
    "glute-bridge",
    "single-leg-bridge",
    "lateral-band-walk",
    "single-leg-romanian-deadlift",
    "hip-hike",
    "step-up",
}


def test_library_holds_the_hip_exercises_and_the_supporting_ones():
    assert set(Exercise.objects.values_list("slug", flat=True)) >= REQUIRED


def test_emg_evidence_is_recorded_with_sources():
    evidence = dict(Exercise.objects.values_list("slug", "evidence"))
    assert "103% MVIC" in evidence["side-plank-hip-abduction"] and "Boren" in evidence["side-plank-hip-abduction"]
    assert "82% MVIC" in evidence["single-leg-squat"] and "Int J Sports Phys Ther" in evidence["single-leg-squat"]
    assert "81% MVIC" in evidence["side-lying-hip-abduction"] and "Distefano" in evidence["side-lying-hip-abduction"]


def test_every_exercise_has_instructions_dosage_and_a_drawing_on_disk():
    for exercise in Exercise.objects.all():
        assert len(exercise.instruction_steps) >= 3, exercise.slug
        assert exercise.cue_list and exercise.fault_list and exercise.starting_position, exercise.slug
        assert (exercise.default_reps is None) != (exercise.default_hold_s is None), exercise.slug
        svg = Path(settings.BASE_DIR) / "static" / exercise.illustration
        root = ElementTree.parse(svg).getroot()  # noqa: S314 - our own static file
        assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}title").text == exercise.name


def test_variants_form_a_ladder_from_clamshell_to_side_plank():
    side_lying = Exercise.objects.get(slug="side-lying-hip-abduction")
    assert side_lying.easier.slug == "clamshell"
    assert side_lying.harder.slug == "side-plank-knees-bent-hip-abduction"
    assert side_lying.harder.harder.slug == "side-plank-hip-abduction"
    assert Exercise.objects.get(slug="lateral-step-down").harder.slug == "single-leg-squat"


def test_template_has_three_phases_over_8_weeks_starting_with_the_three_hip_exercises(hip_template):
    phases = list(hip_template.phases.all())
    assert len(phases) == 3
    assert hip_template.weeks == 8
    assert {item.exercise.name for item in phases[0].exercises.all()} == HIP_THREE
    assert "Run with your knees apart" in hip_template.gait_cue_list
    assert "Squeeze your buttocks" in hip_template.gait_cue_list
    assert 5 <= hip_template.cadence_increase_pct <= 10


def test_clinician_edits_an_exercise_and_front_desk_cannot(client, clinician, front_desk):
    exercise = Exercise.objects.get(slug="clamshell")
    client.force_login(front_desk)
    assert client.get(f"/programs/exercises/{exercise.slug}/").status_code == 200  # library is for everyone
    assert client.get(f"/programs/exercises/{exercise.slug}/edit/").status_code == 403
    client.force_login(clinician)
    page = client.get(f"/programs/exercises/{exercise.slug}/edit/")
    form = page.context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data["key_cues"] = "Knees like a book opening\nPelvis still"
    data["is_active"] = "on"
    response = client.post(f"/programs/exercises/{exercise.slug}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    exercise.refresh_from_db()
    assert exercise.cue_list == ["Knees like a book opening", "Pelvis still"]
