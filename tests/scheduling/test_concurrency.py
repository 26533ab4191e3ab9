"""Twenty front desk terminals book the same slot at the same instant: exactly one wins.

Real PostgreSQL, real transactions: each thread has its own connection (Django connections
are per thread) and is released at a barrier so the requests overlap.
"""

from __future__ import annotations

import threading
import time as clock
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.scheduling.conftest import monday_at

ATTEMPTS = 20

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the race is decided by PostgreSQL's exclusion constraint; run with DATABASE_URL=postgres://...")


def _race(work) -> list[object]:
    barrier = threading.Barrier(ATTEMPTS)
    results: list[object] = [None] * ATTEMPTS

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # recorded and asserted on below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
def test_twenty_simultaneous_api_bookings_of_one_slot_give_one_201_and_nineteen_409s(
    postgres_only, front_desk, working_clinician, follow_up
):
    patients = [PatientFactory() for _ in range(ATTEMPTS)]  # distinct athletes: only the clinician clashes
    starts_at = monday_at(10).isoformat()

    def book(index: int) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(user=front_desk)
        response = client.post(
            "/api/v1/appointments/",
            {
                "patient": patients[index].pk,
                "clinician": working_clinician.pk,
                "appointment_type": follow_up.pk,
                "starts_at": starts_at,
            },
            format="json",
        )
        return response.status_code, response.json()

    started = clock.perf_counter()
    results = _race(book)
    elapsed = clock.perf_counter() - started
    statuses = sorted(result[0] for result in results)
    assert statuses == [201] + [409] * (ATTEMPTS - 1), results
    conflicts = [body for code, body in results if code == 409]
    assert all("Dana Okafor is already booked" in body["detail"] for body in conflicts)
    assert Appointment.objects.filter(clinician=working_clinician).count() == 1
    print(f"\n{ATTEMPTS} concurrent bookings decided in {elapsed * 1000:.0f} ms")


@pytest.mark.postgres
def test_the_constraint_alone_decides_the_race_when_the_pre_check_sees_nothing(
    postgres_only, monkeypatch, front_desk, working_clinician, follow_up
):
    """Blind the service's overlap query: every thread inserts, PostgreSQL keeps one row."""
    patients = [PatientFactory() for _ in range(ATTEMPTS)]
    real_find_clash = services._find_clash
    monkeypatch.setattr(services, "_find_clash", lambda appointment: None)

    def book(index: int) -> Appointment:
        return services.appointment_book(
            patient=patients[index],
            clinician=working_clinician,
            appointment_type=follow_up,
            starts_at=monday_at(10),
            booked_by=front_desk,
        )

    results = _race(book)
    booked = [result for result in results if isinstance(result, Appointment)]
    taken = [result for result in results if isinstance(result, services.SlotTaken)]
    assert len(booked) == 1, results
    assert len(taken) == ATTEMPTS - 1, results
    assert Appointment.objects.filter(clinician=working_clinician).count() == 1
    assert real_find_clash is not None


def test_on_sqlite_the_service_serialises_twenty_simultaneous_bookings(front_desk, working_clinician, follow_up):
    """SQLite has no exclusion constraints: BEGIN IMMEDIATE makes check-then-insert one step."""
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL run covers this with the constraint")
    patients = [PatientFactory() for _ in range(ATTEMPTS)]

    def book(index: int) -> Appointment:
        return services.appointment_book(
            patient=patients[index],
            clinician=working_clinician,
            appointment_type=follow_up,
            starts_at=monday_at(10),
            booked_by=front_desk,
        )

    results = _race(book)
    assert sum(isinstance(result, Appointment) for result in results) == 1, results
    assert sum(isinstance(result, services.SlotTaken) for result in results) == ATTEMPTS - 1, results
    assert Appointment.objects.filter(clinician=working_clinician).count() == 1


def _until_a_session_waits_for_a_lock(timeout_s: float = 10.0) -> None:
    deadline = clock.monotonic() + timeout_s
    with connections["default"].cursor() as cursor:
        while clock.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is cached
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            clock.sleep(0.02)
    raise AssertionError("the service's booking never waited on the rival's row")


@pytest.mark.postgres
def test_a_booking_picked_as_a_deadlock_victim_is_tried_again_and_meets_the_winner_as_slot_taken(
    postgres_only, front_desk, working_clinician, other_clinician, follow_up
):
    """Two transactions each wait for the other's row in the exclusion-constraint checks: PostgreSQL
    aborts one. Built on purpose: a rival books the service's athlete with another clinician; the
    service's insert passes the clinician index and waits on that row in the patient index; the
    rival then books the service's clinician and waits on the service's row in the clinician index.
    The service is the victim (it waited first, and the rival's deadlock_timeout is long): it must
    roll back its savepoint, try again and answer SlotTaken once the rival commits."""
    rival_patient, athlete = PatientFactory(), PatientFactory()
    starts_at = monday_at(10)
    ends_at = starts_at + timedelta(minutes=follow_up.default_duration_min)
    service_waits = threading.Event()
    outcome: dict[str, object] = {}

    def rival() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL deadlock_timeout = '20s'")
                row = dict(appointment_type=follow_up, starts_at=starts_at, ends_at=ends_at)
                Appointment.objects.create(patient=athlete, clinician=other_clinician, **row)
                service_waits.wait(timeout=10)
                _until_a_session_waits_for_a_lock()  # the service's insert, on the athlete's row above
                Appointment.objects.create(patient=rival_patient, clinician=working_clinician, **row)
            outcome["rival"] = "committed"
        except Exception as exc:  # recorded and asserted on below
            outcome["rival"] = exc
        finally:
            connections.close_all()

    def book() -> None:
        try:
            service_waits.set()
            outcome["service"] = services.appointment_book(
                patient=athlete,
                clinician=working_clinician,
                appointment_type=follow_up,
                starts_at=starts_at,
                booked_by=front_desk,
            )
        except Exception as exc:  # recorded and asserted on below
            outcome["service"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rival), threading.Thread(target=book)]
    threads[0].start()
    clock.sleep(0.3)  # the rival holds the slot first
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcome["rival"] == "committed", (outcome, repr(outcome.get("service")))
    assert isinstance(outcome["service"], services.SlotTaken), outcome
    assert Appointment.objects.filter(clinician=working_clinician).get().patient == rival_patient
