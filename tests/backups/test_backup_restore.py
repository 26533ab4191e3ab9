"""manage.py backup and restore: a round trip through an empty database and empty storage gives
back the same rows and files, and a clinician and an athlete read the same trend afterwards."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from assessments.models import Assessment
from audit.models import AuditEvent
from backups import services
from backups.manifest import Manifest
from tests.assessments.conftest import CAM03
from tests.backups.conftest import wipe_database, wipe_storages

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="the pg_dump round trip needs PostgreSQL"
)
# On PostgreSQL every test here needs Debian's client tools (.ci/run installs them as root).
pytestmark = pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"]
    and (shutil.which("pg_dump") is None or shutil.which("pg_restore") is None),
    reason="pg_dump/pg_restore not found: apt-get install postgresql-client",
)
on_sqlite = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="the online-backup round trip needs SQLite"
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def round_trip(clinic, isolated_storages, tmp_path, client, api):
    dest = tmp_path / "backup"
    assert "Backup written" in run("backup", str(dest))
    manifest = Manifest.read(dest)
    assert manifest.tables["assessments_assessment"] == 3
    assert manifest.tables["patients_patient"] == Assessment.objects.values("patient").distinct().count()
    assert manifest.migrations["assessments"][0] == "0001_assessment"
    assert manifest.app_version == "0.1.0"
    video = clinic["uploaded"].video.name
    assert {(f.storage, f.path, f.sha256) for f in manifest.files} == {
        ("assessments", video, hashlib.sha256(CAM03.read_bytes()).hexdigest()),
        ("default", clinic["letter"], hashlib.sha256(b"Referral from Dr. Chen").hexdigest()),
    }

    wipe_database()
    wipe_storages(isolated_storages)
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []

    out = run("restore", str(dest))
    assert "Restored: " in out and "match the manifest" in out and "MISMATCH" not in out
    assert AuditEvent.objects.filter(action="create", summary__startswith=f"restored from {dest}").exists()
    assert (isolated_storages["assessments"] / video).read_bytes() == CAM03.read_bytes()
    assert storages["default"].open(clinic["letter"]).read() == b"Referral from Dr. Chen"

    # The athlete signs in with the password (API token) and reads their own trend; the
    # clinician reads the trend page.
    token = api.post(
        "/api/v1/auth/token/", {"username": clinic["athlete"].username, "password": "correct-horse-battery"}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    points = api.get(f"/api/v1/patients/{clinic['patient'].pk}/hip-drop-trend/").json()["points"]
    assert [(p["cpd_left_mean_deg"], p["cpd_right_mean_deg"]) for p in points] == [(9.0, 5.0), (4.0, 4.0)]
    from accounts.models import User

    client.force_login(User.objects.get(username="clin"))
    page = client.get(reverse("assessments:trend", args=[clinic["patient"].pk]))
    assert page.status_code == 200
    assert clinic["patient"].full_name in page.content.decode()
    # The restored video plays through the app.
    stream = client.get(reverse("assessments:video", args=[clinic["uploaded"].pk]))
    assert b"".join(stream.streaming_content) == CAM03.read_bytes()
    return dest


@on_sqlite
def test_sqlite_backup_wipe_restore_verify_and_read_the_trend(clinic, isolated_storages, tmp_path, client, api):
    dest = round_trip(clinic, isolated_storages, tmp_path, client, api)
    dump = sqlite3.connect(dest / "database.sqlite3")
    assert dump.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
@on_postgres
def test_postgres_backup_wipe_restore_verify_and_read_the_trend(clinic, isolated_storages, tmp_path, client, api):
    dest = round_trip(clinic, isolated_storages, tmp_path, client, api)
    assert (dest / "database.pgdump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    # The append-only trigger on the audit trail comes back with the tables.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only'")
        assert cursor.fetchone()[0] == 1


def test_restore_refuses_a_database_that_is_not_empty(clinic, tmp_path):
    run("backup", str(tmp_path / "backup"))
    rows = Assessment.objects.count()
    with pytest.raises(CommandError, match="is not empty"):
        run("restore", str(tmp_path / "backup"))
    assert Assessment.objects.count() == rows


def test_restore_refuses_storage_that_is_not_empty(clinic, isolated_storages, tmp_path):
    run("backup", str(tmp_path / "backup"))
    wipe_database()
    wipe_storages({"default": isolated_storages["default"]})
    with pytest.raises(CommandError, match="storage 'assessments' is not empty"):
        run("restore", str(tmp_path / "backup"))
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []  # nothing was written


def test_a_damaged_backup_is_reported_by_verify_and_never_restored(clinic, isolated_storages, tmp_path):
    dest = tmp_path / "backup"
    run("backup", str(dest))
    assert "match the manifest" in run("backup", "--verify", str(dest))
    video = dest / "files" / "assessments" / clinic["uploaded"].video.name
    video.write_bytes(video.read_bytes()[:-1] + b"\0")
    with pytest.raises(CommandError, match="does not match its manifest"):
        run("backup", "--verify", str(dest))
    wipe_database()
    wipe_storages(isolated_storages)
    with pytest.raises(CommandError, match="damaged, nothing was restored"):
        run("restore", str(dest))
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []


def test_verification_names_every_table_and_file_that_differs(clinic, isolated_storages, tmp_path):
    dest = tmp_path / "backup"
    run("backup", str(dest))
    manifest = Manifest.read(dest)
    # The only change since the snapshot: the audit trail's record of the backup itself.
    trail = manifest.tables["audit_auditevent"]
    assert services.restore_verify(manifest=manifest).problems == [
        f"Table audit_auditevent: {trail + 1} rows, the backup has {trail}."
    ]
    assert AuditEvent.objects.filter(action="export", summary__contains=str(dest)).count() == 1
    Assessment.objects.filter(pk=clinic["uploaded"].pk).delete()  # its row and, by hand, its video
    (isolated_storages["default"] / clinic["letter"]).write_bytes(b"changed")
    report = services.restore_verify(manifest=manifest)
    assert "Table assessments_assessment: 2 rows, the backup has 3." in report.problems
    assert f"File differs (SHA-256): default:{clinic['letter']}" in report.problems


def test_backup_needs_a_new_folder(clinic, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="already exists"):
        run("backup", str(tmp_path / "old"))


def test_a_manifest_cannot_point_restore_outside_the_backup(clinic, tmp_path):
    dest = tmp_path / "backup"
    run("backup", str(dest))
    data = json.loads((dest / "manifest.json").read_text())
    data["files"][0]["path"] = "../../etc/passwd"
    (dest / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(CommandError, match="unsafe path"):
        run("backup", "--verify", str(dest))


def test_backup_dir_layout_is_what_the_readme_says(clinic, tmp_path):
    dest = tmp_path / "backup"
    run("backup", str(dest))
    names = {p.name for p in Path(dest).iterdir()}
    assert names == {
        "manifest.json",
        "files",
        "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump",
    }


def test_restore_refuses_a_backup_of_the_other_database(clinic, isolated_storages, tmp_path):
    dest = tmp_path / "backup"
    run("backup", str(dest))
    data = json.loads((dest / "manifest.json").read_text())
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    data["database"]["vendor"] = other
    (dest / "manifest.json").write_text(json.dumps(data))
    wipe_database()
    wipe_storages(isolated_storages)
    with pytest.raises(
        CommandError, match=f"holds a {other} database; this site is configured for {connection.vendor}"
    ):
        run("restore", str(dest))
