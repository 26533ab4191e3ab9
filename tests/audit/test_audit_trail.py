"""Reads and writes of clinical data leave an entry that nobody can edit from the site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_opening_a_record_and_a_visit_is_recorded_with_who_and_where(client, clinician, visit_a):
    client.force_login(clinician)
    client.get(reverse("patients:detail", args=[visit_a.patient_id]), REMOTE_ADDR="10.1.2.3")
    client.get(reverse("patients:visit-detail", args=[visit_a.patient_id, visit_a.pk]))
    events = list(AuditEvent.objects.filter(action="view").order_by("id"))
    assert [(e.target_type, e.patient_id) for e in events] == [
        ("patients.patient", visit_a.patient_id),
        ("patients.visit", visit_a.patient_id),
    ]
    assert events[0].actor == clinician
    assert events[0].ip_address == "10.1.2.3"
    assert events[0].path == reverse("patients:detail", args=[visit_a.patient_id])


def test_writes_are_recorded(api_as, clinician, athlete_a):
    api_as(clinician).patch(f"/api/v1/patients/{athlete_a[1].pk}/", {"phone": "+44 1"}, format="json")
    event = AuditEvent.objects.get(action="update")
    assert event.summary == "changed phone"


def test_front_desk_demographics_view_is_not_a_clinical_read(client, front_desk, athlete_a):
    client.force_login(front_desk)
    client.get(reverse("patients:detail", args=[athlete_a[1].pk]))
    assert not AuditEvent.objects.filter(action="view").exists()


def test_admin_can_browse_but_not_change_or_delete_the_trail(client, admin_user, clinician, athlete_a):
    client.force_login(clinician)
    client.get(reverse("patients:detail", args=[athlete_a[1].pk]))
    event = AuditEvent.objects.get()
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:audit_auditevent_changelist"))
    assert changelist.status_code == 200
    assert b"clin" in changelist.content
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"summary": "tampered"})
    client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    event.refresh_from_db()
    assert event.summary == ""


def test_clinician_cannot_browse_the_trail(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 302
