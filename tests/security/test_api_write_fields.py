"""No serializer exposes every model field, and nobody sets a role, a staff flag or an owner
through the API: those come from the signed-in user, never from the request body."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework import serializers

from accounts.roles import GROUP_NAMES, Role, role_of
from programs.models import Prescription, SessionLog
from scheduling.models import Appointment
from tests.factories import UserFactory
from tests.scheduling.conftest import monday_at

pytestmark = pytest.mark.django_db

# Set by the server from the signed-in user, or by an admin in the Django admin; never by a body.
SERVER_SET_FIELDS = {
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "role",
    "last_login",
    "date_joined",
    "user",
    "owner",
    "created_by",
    "updated_by",
    "prescribed_by",
    "logged_by",
    "booked_by",
    "marked_by",
}
# Writable links to a patient's records start with no choices; the view narrows them per user.
PATIENT_RECORD_LINKS = {"patient", "visit", "prescription", "session"}


def project_serializers() -> list[type[serializers.BaseSerializer]]:
    """Every serializer class defined in the project's own apps (not DRF's or a library's)."""
    ours = [
        app.name
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in app.path
    ]
    for name in ours:
        try:
            import_module(f"{name}.api.serializers")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{name}.api", f"{name}.api.serializers"):
                raise
    assert get_resolver().url_patterns  # importing every view module imports the serializers they declare
    found, todo = [], list(serializers.BaseSerializer.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ours:
            found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_the_walk_finds_the_projects_serializers():
    names = {cls.__name__ for cls in project_serializers()}
    assert {"PatientInputSerializer", "SessionLogInputSerializer", "MeOutputSerializer"} <= names


def test_no_serializer_exposes_all_fields_or_excludes_some():
    offenders = []
    for cls in project_serializers():
        meta = getattr(cls, "Meta", None)
        if meta is not None and (getattr(meta, "fields", None) == serializers.ALL_FIELDS or hasattr(meta, "exclude")):
            offenders.append(f"{cls.__module__}.{cls.__qualname__}")
    assert offenders == [], "List the fields explicitly (a new model field must not appear by itself)"


def _writable(cls: type[serializers.BaseSerializer]) -> dict[str, Any]:
    return {name: field for name, field in cls().fields.items() if not field.read_only}


def test_no_serializer_takes_a_role_staff_flag_or_owner_from_the_body():
    offenders = {
        f"{cls.__module__}.{cls.__qualname__}": sorted(set(_writable(cls)) & SERVER_SET_FIELDS)
        for cls in project_serializers()
    }
    assert {name: fields for name, fields in offenders.items() if fields} == {}


def test_writable_links_to_patient_records_start_with_no_choices():
    open_links = []
    for cls in project_serializers():
        for name, field in _writable(cls).items():
            linked = name in PATIENT_RECORD_LINKS and isinstance(field, serializers.RelatedField)
            if linked and not field.queryset.query.is_empty():
                open_links.append(f"{cls.__qualname__}.{name}")
    assert open_links == [], "Declare these with queryset=<Model>.objects.none(); the view scopes them"


# Through the API -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put", "post"])
def test_users_me_cannot_be_written_at_all(api_as, athlete_a, method):
    user = athlete_a[0]
    username = user.username
    admins = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    body = {"is_staff": True, "is_superuser": True, "groups": [admins.pk], "role": "admin", "username": "root"}
    response = getattr(api_as(user), method)(reverse("api:users-me"), body, format="json")
    assert response.status_code == 405
    user.refresh_from_db()
    assert (user.username, user.is_staff, user.is_superuser) == (username, False, False)
    user = type(user).objects.get(pk=user.pk)  # no cached role
    assert role_of(user) == Role.ATHLETE
    assert api_as(user).get(reverse("api:users-me")).json()["role"] == "athlete"


def test_athlete_cannot_rewrite_their_patient_record_or_its_owner(api_as, world):
    patient = world.a.patient
    body = {"user": world.b.user.pk, "is_active": False, "first_name": "Someone"}
    response = api_as(world.a.user).patch(reverse("api:patient-detail", args=[patient.pk]), body, format="json")
    assert response.status_code == 403
    patient.refresh_from_db()
    assert (patient.user_id, patient.is_active, patient.first_name) == (world.a.user.pk, True, "Ada")


def _log_body(prescription: Prescription, **extra: Any) -> dict[str, Any]:
    entries = [
        {"exercise": item.exercise_id, "sets_done": item.sets, "reps_done": item.reps, "pain_during": 1}
        for item in prescription.items.all()
    ]
    return {
        "prescription": prescription.pk,
        "performed_on": timezone.localdate().isoformat(),
        "entries": entries,
        **extra,
    }


def test_athlete_cannot_log_for_another_athlete(api_as, world):
    theirs = world.b.prescription
    response = api_as(world.a.user).post(reverse("api:sessionlog-list"), _log_body(theirs), format="json")
    assert response.status_code == 404
    assert SessionLog.objects.count() == 0


def test_a_log_belongs_to_the_athlete_who_sends_it_whatever_the_body_says(api_as, world):
    body = _log_body(world.a.prescription, patient=world.b.patient.pk, logged_by=world.clinician.pk)
    response = api_as(world.a.user).post(reverse("api:sessionlog-list"), body, format="json")
    assert response.status_code == 201, response.content
    session = SessionLog.objects.get(pk=response.json()["id"])
    assert (session.patient, session.logged_by) == (world.a.patient, world.a.user)
    assert response.json()["patient"] == world.a.patient.pk


def test_a_prescription_is_signed_by_the_clinician_who_sends_it(api_as, world):
    other = UserFactory(role=Role.CLINICIAN, username="clin-other")
    body = {"patient": world.a.patient.pk, "program": world.a.program.pk, "prescribed_by": other.pk}
    response = api_as(world.clinician).post(reverse("api:prescription-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert Prescription.objects.get(pk=response.json()["id"]).prescribed_by == world.clinician
    assert response.json()["prescribed_by"] == world.clinician.pk


def test_an_appointment_is_booked_by_whoever_sends_it(api_as, world):
    assert world.a.appointment  # booking athlete A's gives the clinician a working week
    body = {
        "patient": world.a.patient.pk,
        "clinician": world.clinician.pk,
        "appointment_type": world.appointment_type.pk,
        "starts_at": monday_at(15).isoformat(),
        "created_by": world.clinician.pk,
    }
    response = api_as(world.front_desk).post(reverse("api:appointment-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert Appointment.objects.get(pk=response.json()["id"]).created_by == world.front_desk


def test_front_desk_cannot_write_clinical_fields_of_a_patient(api_as, world):
    patient = world.a.patient
    before = patient.weekly_distance_km
    body = {"weekly_distance_km": before + 50, "goal_event": "Ultra", "phone": "+44 7700 900999"}
    response = api_as(world.front_desk).patch(reverse("api:patient-detail", args=[patient.pk]), body, format="json")
    assert response.status_code == 200, response.content
    patient.refresh_from_db()
    assert (patient.phone, patient.weekly_distance_km, patient.goal_event) == ("+44 7700 900999", before, "Marathon")
    assert "weekly_distance_km" not in response.json()
