"""A clinic to back up: users, a patient with analysed visits, an uploaded video on the private
storage and an upload on the default storage, all on storages of the test's own."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import assessment_create
from tests.assessments.conftest import CAM03, upload_of
from tests.factories import AssessmentFactory, VisitFactory

FILE_FIELDS = ("video", "landmarks", "preview")


@pytest.fixture
def isolated_storages(settings, tmp_path, monkeypatch):
    """Both stored-file roots in this test's tmp folder, so "empty storage" means this test's only.

    The assessment fields took their storage instance at import: point them at the new one.
    """
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "assessments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.PRIVATE_MEDIA_ROOT), "base_url": None},
        },
    }
    for name in FILE_FIELDS:
        monkeypatch.setattr(Assessment._meta.get_field(name), "storage", storages["assessments"])
    return {"default": Path(settings.MEDIA_ROOT), "assessments": Path(settings.PRIVATE_MEDIA_ROOT)}


@pytest.fixture
def clinic(transactional_db, isolated_storages, clinician, athlete_a):
    """Committed rows (pg_dump reads from its own session) and files on both storages."""
    athlete, patient = athlete_a
    for days_ago, left, right in [(60, 9.0, 5.0), (2, 4.0, 4.0)]:
        visit = VisitFactory(
            patient=patient, clinician=clinician, visit_date=timezone.localdate() - datetime.timedelta(days=days_ago)
        )
        AssessmentFactory(
            visit=visit, cpd_left_mean_deg=left, cpd_right_mean_deg=right, mean_cpd_deg=(left + right) / 2
        )
    uploaded = assessment_create(visit=visit, video=upload_of(CAM03), view="posterior", created_by=clinician)
    letter = storages["default"].save("letters/referral.txt", ContentFile(b"Referral from Dr. Chen"))
    return {"athlete": athlete, "patient": patient, "uploaded": uploaded, "letter": letter}


def wipe_database() -> None:
    """Leave the test database with no tables at all, as a newly created one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return
    with connection.constraint_checks_disabled(), connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


def wipe_storages(roots: dict[str, Path]) -> None:
    for root in roots.values():
        for path in sorted(root.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()


@pytest.fixture(autouse=True)
def _tables_back_after_a_failed_restore(transactional_db):
    """A test that wiped the database and failed before restoring must not break the next tests."""
    yield
    with connection.cursor() as cursor:
        empty = not connection.introspection.table_names(cursor)
    if empty:
        call_command("migrate", verbosity=0)
