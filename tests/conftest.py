"""Shared fixtures: one user per role, two athletes with their own records, API clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import UserFactory, VisitFactory, athlete_with_patient

pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests serve static files from the finders: no collectstatic manifest exists in a test run.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fast hasher: the suite creates many users; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinician(db):  # type: ignore[no-untyped-def]
    return UserFactory(role=Role.CLINICIAN, username="clin")


@pytest.fixture
def front_desk(db):  # type: ignore[no-untyped-def]
    return UserFactory(role=Role.FRONT_DESK, username="desk")


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return UserFactory(role=Role.ADMIN, username="boss")


@pytest.fixture
def athlete_a(db):  # type: ignore[no-untyped-def]
    return athlete_with_patient(first_name="Ada", last_name="Alpha")


@pytest.fixture
def athlete_b(db):  # type: ignore[no-untyped-def]
    return athlete_with_patient(first_name="Bea", last_name="Beta")


@pytest.fixture
def visit_a(athlete_a, clinician):  # type: ignore[no-untyped-def]
    return VisitFactory(patient=athlete_a[1], clinician=clinician)


@pytest.fixture
def visit_b(athlete_b, clinician):  # type: ignore[no-untyped-def]
    return VisitFactory(patient=athlete_b[1], clinician=clinician)


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    return APIClient()


@pytest.fixture
def api_as(api):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):  # type: ignore[no-untyped-def]
    """A real worker process on the configured broker, reading and writing the test database."""
    from tests.worker import celery_worker

    with celery_worker(log_path=tmp_path / "worker.log") as process:
        yield process
