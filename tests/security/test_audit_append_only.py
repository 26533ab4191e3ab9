"""The audit trail cannot be edited or deleted: not from the site, the API, nor (on PostgreSQL) the database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="the append-only trigger is PostgreSQL-only"
)


@pytest.fixture
def event(clinician, athlete_a):
    return audit_record(actor=clinician, action=AuditAction.VIEW, target=athlete_a[1], patient_id=athlete_a[1].pk)


def test_admin_offers_no_way_to_change_or_delete_an_entry(client, event):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.org", "a-long-admin-pass"))
    change = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"summary": "x"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:audit_auditevent_changelist"), {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).summary == event.summary


def test_the_api_has_no_audit_route(api_as, admin_user, event):
    for method in ("get", "patch", "delete"):
        assert getattr(api_as(admin_user), method)(f"/api/v1/audit/{event.pk}/").status_code == 404


@pytest.mark.postgres
@on_postgres
def test_database_refuses_to_update_an_entry(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing to see")
    assert AuditEvent.objects.get(pk=event.pk).summary == event.summary


@pytest.mark.postgres
@on_postgres
def test_database_refuses_to_delete_an_entry(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@on_postgres
def test_database_refuses_raw_sql_changes(event):
    for sql in ("UPDATE audit_auditevent SET actor_label = 'someone else'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "clin"


@pytest.mark.postgres
@on_postgres
def test_database_refuses_to_clear_the_actor_together_with_another_change(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=None, summary="x")


@pytest.mark.postgres
@on_postgres
def test_deleting_a_user_keeps_their_entries_under_their_name(athlete_a):
    leaver = UserFactory(username="leaver")
    kept = audit_record(actor=leaver, action=AuditAction.VIEW, target=athlete_a[1], patient_id=athlete_a[1].pk)
    leaver.delete()
    kept.refresh_from_db()
    assert (kept.actor_id, kept.actor_label, kept.patient_id) == (None, "leaver", athlete_a[1].pk)


@pytest.mark.postgres
@on_postgres
def test_new_entries_are_still_written(event, clinician, athlete_a):
    audit_record(actor=clinician, action=AuditAction.UPDATE, target=athlete_a[1], patient_id=athlete_a[1].pk)
    assert AuditEvent.objects.filter(patient_id=athlete_a[1].pk).count() == 2
