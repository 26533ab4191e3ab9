"""Shared fixtures: one user per role, two athletes with their own records, API clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.two_factor import two_factor_required
from tests.factories import UserFactory, VisitFactory, athlete_with_patient
from tests.two_factor import authenticator_for

pytest_plugins = ["tests.browser_fixtures", "tests.clip_fixtures"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests serve static files from the finders: no collectstatic manifest exists in a test run.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fast hasher: the suite creates many users; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in a cache shared between processes (var/ratelimit or Redis) and
    count per address: every test client is 127.0.0.1, so each test starts from zero."""
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """``client.force_login(staff)`` gives a session that has also passed the two-factor step.

    As a real sign-in would after the code: the user gets a confirmed authenticator and the
    session names it (django-otp's session key). Production code is untouched; the real
    two-factor flow is tested in tests/accounts/test_two_factor.py and the browser's sign_in.
    """
    force_login = Client.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        if two_factor_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture
def clinician(db):
    return UserFactory(role=Role.CLINICIAN, username="clin")


@pytest.fixture
def front_desk(db):
    return UserFactory(role=Role.FRONT_DESK, username="desk")


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, username="boss")


@pytest.fixture
def athlete_a(db):
    return athlete_with_patient(first_name="Ada", last_name="Alpha")


@pytest.fixture
def athlete_b(db):
    return athlete_with_patient(first_name="Bea", last_name="Beta")


@pytest.fixture
def visit_a(athlete_a, clinician):
    return VisitFactory(patient=athlete_a[1], clinician=clinician)


@pytest.fixture
def visit_b(athlete_b, clinician):
    return VisitFactory(patient=athlete_b[1], clinician=clinician)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user):
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker process on the configured broker, reading and writing the test database."""
    from tests.worker import celery_worker

    with celery_worker(log_path=tmp_path / "worker.log") as process:
        yield process
