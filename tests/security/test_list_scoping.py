"""Lists, searches and filters answer with the requester's own rows only.

DRF runs object permissions in ``get_object`` alone; a list is as safe as its ``get_queryset``.
Athletes A and B each have a visit, an assessment, a programme, a prescription, a session log
and an appointment; every list athlete A reads holds A's rows and none of B's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from tests.factories import UserFactory
from tests.scheduling.conftest import next_monday
from tests.security.access_world import Records

pytestmark = pytest.mark.django_db

# The list route and the record each of its rows stands for.
LISTS = {
    "api:patient-list": "patient",
    "api:visit-list": "visit",
    "api:assessment-list": "assessment",
    "api:program-list": "program",
    "api:prescription-list": "prescription",
    "api:sessionlog-list": "session_log",
    "api:appointment-list": "appointment",
}
# Filters naming another record: athlete B's id must give the same empty answer as an unknown one.
FILTERS = [
    ("api:visit-list", "patient", "patient"),
    ("api:assessment-list", "patient", "patient"),
    ("api:assessment-list", "visit", "visit"),
    ("api:prescription-list", "patient", "patient"),
    ("api:sessionlog-list", "patient", "patient"),
    ("api:sessionlog-list", "prescription", "prescription"),
    ("api:appointment-list", "patient", "patient"),
]
UNKNOWN_ID = 987654


@pytest.fixture
def world(world):
    """tests/security/conftest.py's world, with every listed record of A and B built up front."""
    for records in (world.a, world.b):
        for name in set(LISTS.values()):
            getattr(records, name)
    return world


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def own(records: Records, name: str) -> int:
    return getattr(records, name).pk


@pytest.mark.parametrize(("route", "record"), LISTS.items(), ids=list(LISTS))
def test_athlete_a_lists_only_their_own_rows(api_as, world, route, record):
    listed = ids(api_as(world.a.user).get(reverse(route)))
    assert listed == {own(world.a, record)}
    assert own(world.b, record) not in listed


@pytest.mark.parametrize(("route", "record"), LISTS.items(), ids=list(LISTS))
def test_athlete_b_lists_only_their_own_rows(api_as, world, route, record):
    assert ids(api_as(world.b.user).get(reverse(route))) == {own(world.b, record)}


@pytest.mark.parametrize(("route", "param", "record"), FILTERS, ids=[f"{r}?{p}" for r, p, _ in FILTERS])
def test_filtering_by_another_athletes_record_finds_nothing_and_says_nothing(api_as, world, route, param, record):
    client = api_as(world.a.user)
    theirs = client.get(reverse(route), {param: own(world.b, record)})
    unknown = client.get(reverse(route), {param: UNKNOWN_ID})
    assert ids(theirs) == set()
    # The same answer as for an id that does not exist: the filter is no way to probe for ids.
    assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())
    assert ids(client.get(reverse(route), {param: own(world.a, record)})) == {own(world.a, LISTS[route])}


def test_patient_search_by_another_athletes_name_finds_nothing(api_as, world):
    client = api_as(world.a.user)
    assert ids(client.get(reverse("api:patient-list"), {"search": world.b.patient.last_name})) == set()
    assert ids(client.get(reverse("api:patient-list"), {"search": world.a.patient.last_name})) == {world.a.patient.pk}


def test_front_desk_patient_list_carries_demographics_and_no_clinical_fields(api_as, world):
    rows = api_as(world.front_desk).get(reverse("api:patient-list")).json()["results"]
    assert {row["id"] for row in rows} == {world.a.patient.pk, world.b.patient.pk}
    for row in rows:
        assert {"first_name", "last_name", "phone"} <= set(row)
        assert not {"complaints", "intake", "weekly_distance_km", "goal_event", "shoes"} & set(row)


def test_a_clinician_lists_only_appointments_of_their_calendar_and_patients(api_as, world):
    other = UserFactory(role=Role.CLINICIAN, username="clin-other")
    assert ids(api_as(other).get(reverse("api:appointment-list"))) == set()
    mine = ids(api_as(world.clinician).get(reverse("api:appointment-list")))
    assert mine == {world.a.appointment.pk, world.b.appointment.pk}


def test_athletes_calendar_page_shows_their_appointment_and_not_anothers(client, world):
    mine, theirs = world.a.appointment, world.b.appointment
    client.force_login(world.a.user)
    page = client.get(reverse("scheduling:calendar"), {"date": next_monday().isoformat(), "view": "week"})
    html = page.content.decode()
    assert page.status_code == 200
    # The athlete's page lists their own appointments (not their name): each links to its page.
    assert f'href="{mine.get_absolute_url()}"' in html
    assert f'href="{theirs.get_absolute_url()}"' not in html and world.b.patient.last_name not in html


def test_athletes_portal_history_shows_only_their_own_sessions(client, world):
    client.force_login(world.b.user)
    html = client.get(reverse("portal:history")).content.decode()
    assert escape(world.b.program.name) in html
    assert escape(world.a.program.name) not in html
