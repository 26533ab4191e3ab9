"""The admin on clinical records: nothing changes there, and every read leaves an audit entry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditAction, AuditEvent
from tests.factories import AssessmentFactory, ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["admin", "superuser"])
def admin_person(request, admin_user):
    if request.param == "admin":
        return admin_user
    root = UserFactory(role=Role.ADMIN, username="root")
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    return root


def test_admin_cannot_change_a_visits_notes(client, admin_person, visit_a):
    client.force_login(admin_person)
    url = reverse("admin:patients_visit_change", args=[visit_a.pk])
    form = {"patient": visit_a.patient_id, "clinician": visit_a.clinician_id, "visit_date": visit_a.visit_date}
    response = client.post(url, {**form, "subjective": "rewritten in the admin"})
    assert response.status_code == 403
    visit_a.refresh_from_db()
    assert visit_a.subjective != "rewritten in the admin"
    assert client.get(reverse("admin:patients_visit_add")).status_code == 403
    assert client.post(reverse("admin:patients_visit_delete", args=[visit_a.pk]), {"post": "yes"}).status_code == 403
    assert not AuditEvent.objects.filter(action__in=[AuditAction.UPDATE, AuditAction.DELETE]).exists()


def test_admin_read_of_a_visit_is_audited_like_the_site(client, admin_person, visit_a):
    visit_a.subjective = "Knee pain after 10 km"
    visit_a.save()
    client.force_login(admin_person)
    page = client.get(reverse("admin:patients_visit_change", args=[visit_a.pk]), REMOTE_ADDR="10.9.8.7")
    assert page.status_code == 200
    assert "Knee pain after 10 km" in page.content.decode()  # shown read-only
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.actor, event.target_type, event.target_id) == (admin_person, "patients.visit", str(visit_a.pk))
    assert (event.patient_id, event.ip_address, event.summary) == (visit_a.patient_id, "10.9.8.7", "admin")


def test_admin_lists_of_clinical_records_are_audited_with_the_rows_shown(client, admin_user, visit_a, visit_b):
    client.force_login(admin_user)
    assert client.get(reverse("admin:patients_visit_changelist")).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LIST)
    assert event.target_type == "patients.visit"
    assert sorted(event.summary.removeprefix("admin: ids ").split(",")) == sorted([str(visit_a.pk), str(visit_b.pk)])


@pytest.mark.parametrize(
    "url_name, make",
    [
        ("admin:patients_complaint_change", lambda visit: ComplaintFactory(patient=visit.patient)),
        ("admin:assessments_assessment_change", lambda visit: AssessmentFactory(visit=visit)),
    ],
)
def test_other_clinical_records_are_read_only_and_audited(client, admin_user, visit_a, url_name, make):
    record = make(visit_a)
    client.force_login(admin_user)
    assert client.get(reverse(url_name, args=[record.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, target_id=str(record.pk)).exists()
    assert client.post(reverse(url_name, args=[record.pk]), {"notes": "x", "interpretation": "x"}).status_code == 403


def test_admin_change_of_a_patient_record_is_audited(client, admin_user, athlete_a):
    patient = athlete_a[1]
    client.force_login(admin_user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"date_of_birth": patient.date_of_birth.isoformat(), "user": patient.user_id or "", "is_active": ""})
    data.update({"complaints-TOTAL_FORMS": 0, "complaints-INITIAL_FORMS": 0})
    data = {key: value for key, value in data.items() if key not in ("legal_hold", "is_active") or value}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    patient.refresh_from_db()
    assert not patient.is_active
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert (event.actor, event.patient_id, event.summary) == (admin_user, patient.pk, "admin: changed is_active")
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, patient_id=patient.pk, summary="admin").exists()
