"""Suggestions are independent (accepting one leaves the others), every accept can be undone
(back to the dosage of the version before it, audited), and the prescribe form tells visits apart,
prefills the measured cadence and says it replaces the active programme."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from programs import selectors, services
from programs.models import Prescription
from tests.factories import AssessmentFactory, VisitFactory
from tests.programs.conftest import log

pytestmark = pytest.mark.django_db


def _accept(client, prescription, suggestion):
    dosage = suggestion.suggestion.dosage
    form = {
        "item": suggestion.item.pk,
        "sets": dosage.sets,
        "reps": dosage.reps or "",
        "hold_s": dosage.hold_s or "",
        "load_kg": str(dosage.load_kg),
        "days_per_week": dosage.days_per_week,
        "reason": suggestion.suggestion.reason,
    }
    return client.post(f"/programs/prescriptions/{prescription.pk}/revise/", form)


def _decisions(prescription):
    return {s.item.exercise.slug: str(s.suggestion.decision) for s in selectors.suggestions(prescription=prescription)}


def test_accepting_one_step_back_leaves_the_other_two(client, clinician, prescription_a):
    log(prescription_a, days_ago=1, pain=6)
    assert set(_decisions(prescription_a).values()) == {"step_back"}
    first = selectors.suggestions(prescription=prescription_a)[0]
    client.force_login(clinician)
    assert _accept(client, prescription_a, first).status_code == 302
    v2 = Prescription.objects.get(status="active")
    decisions = _decisions(v2)
    assert decisions.pop(first.item.exercise.slug) == "hold"  # its week starts again at the new dosage
    assert set(decisions.values()) == {"step_back"}  # the other two are still there
    page = client.get(f"/programs/patients/{v2.patient_id}/").content.decode()
    assert page.count(">Accept</button>") == 2


def test_an_accept_is_undone_back_to_the_previous_dosage(client, clinician, prescription_a):
    log(prescription_a, days_ago=1, pain=6)
    first, second, _ = selectors.suggestions(prescription=prescription_a)
    client.force_login(clinician)
    _accept(client, prescription_a, first)
    v2 = Prescription.objects.get(status="active")
    _accept(
        client,
        v2,
        next(s for s in selectors.suggestions(prescription=v2) if s.item.exercise_id == second.item.exercise_id),
    )
    v3 = Prescription.objects.get(status="active")
    page = client.get(f"/programs/patients/{v3.patient_id}/").content.decode()
    assert 'data-testid="undo-2"' in page and 'data-testid="undo-3"' in page
    response = client.post(f"/programs/prescriptions/{v2.pk}/undo/", follow=True)
    assert "Version 2 undone: version 4 is now active" in response.content.decode()
    v4 = Prescription.objects.get(status="active")
    dosage = {item.exercise_id: item.dosage for item in v4.items.all()}
    original = {item.exercise_id: item.dosage for item in prescription_a.items.all()}
    v3_dosage = {item.exercise_id: item.dosage for item in v3.items.all()}
    assert dosage[first.item.exercise_id] == original[first.item.exercise_id]  # undone
    assert dosage[second.item.exercise_id] == v3_dosage[second.item.exercise_id]  # the other accept stays
    assert v4.change_reason.startswith("Undo of v2")
    assert AuditEvent.objects.filter(
        target_type="programs.prescription", target_id=str(v2.pk), action="update", summary="v2 undone by v4"
    ).exists()


def test_an_undo_is_refused_when_the_exercise_changed_again(clinician, prescription_a):
    item = prescription_a.items.first()
    v2 = services.prescription_revise(
        prescription=prescription_a, revised_by=clinician, dosages={item.pk: {"reps": 12}}, reason="More"
    )
    v2_item = v2.items.get(exercise_id=item.exercise_id)
    services.prescription_revise(
        prescription=v2, revised_by=clinician, dosages={v2_item.pk: {"reps": 14}}, reason="More again"
    )
    with pytest.raises(ValidationError, match="has changed again since"):
        services.prescription_undo(version=v2, undone_by=clinician)
    with pytest.raises(ValidationError, match="Only a change of dosage"):
        services.prescription_undo(version=prescription_a, undone_by=clinician)


def test_undo_is_clinical_only(client, front_desk, athlete_a, clinician, prescription_a):
    item = prescription_a.items.first()
    v2 = services.prescription_revise(
        prescription=prescription_a, revised_by=clinician, dosages={item.pk: {"reps": 12}}, reason="More"
    )
    for user in (front_desk, athlete_a[0]):
        client.force_login(user)
        assert client.post(f"/programs/prescriptions/{v2.pk}/undo/").status_code == 403
    assert Prescription.objects.get(status="active") == v2


def test_prescribe_form_tells_visits_apart_prefills_cadence_and_warns_it_replaces(
    client, clinician, athlete_a, prescription_a
):
    patient = athlete_a[1]
    today = timezone.localdate()
    visits = [
        VisitFactory(patient=patient, clinician=clinician, visit_date=today, subjective=f"Visit note {n}")
        for n in range(4)
    ]
    AssessmentFactory(visit=visits[2], mean_cpd_deg=6.1, cadence_spm=164.2)
    client.force_login(clinician)
    page = client.get(f"/programs/patients/{patient.pk}/prescribe/").content.decode()
    options = page.split('name="visit"')[1].split("</select>")[0]
    labels = [line for line in options.split("<option")[1:] if today.strftime("%d %b %Y") in line]
    assert len(labels) == 4 and len(set(labels)) == 4
    assert "(visit 3 of 4 that day)" in options and "hip drop 6.1°, 164 spm" in options
    assert 'name="cadence_baseline_spm" value="164"' in page
    assert "Prescribing replaces it" in page and "Prescribe and replace the active programme" in page


def test_clinician_undoes_a_version_over_the_api(api_as, clinician, athlete_a, prescription_a):
    item = prescription_a.items.first()
    v2 = services.prescription_revise(
        prescription=prescription_a, revised_by=clinician, dosages={item.pk: {"reps": 12}}, reason="More"
    )
    assert api_as(athlete_a[0]).post(f"/api/v1/prescriptions/{v2.pk}/undo/").status_code == 403
    response = api_as(clinician).post(f"/api/v1/prescriptions/{v2.pk}/undo/")
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 3 and body["status"] == "active"
    assert next(i for i in body["items"] if i["exercise"] == item.exercise_id)["reps"] == item.reps
    again = api_as(clinician).post(f"/api/v1/prescriptions/{v2.pk}/undo/")
    assert again.status_code == 400 and "changed again since" in str(again.json())
