"""Data exports: one zip (FHIR Bundle, CSVs, report PDFs, original videos) built by the worker
task, a signed link that only its requester opens and that expires, every step audited."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from fhir.resources import construct_fhir_element

from assessments.services.self_checks import self_check_create, self_check_review
from audit.models import AuditEvent
from exports import services, tasks
from exports.models import DataExport, ExportStatus
from tests.assessments.conftest import CAM03, upload_of

pytestmark = pytest.mark.django_db


def _audits(export: DataExport) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="exports.dataexport", target_id=str(export.pk))
        .order_by("id")
        .values_list("summary", flat=True)
    )


def _built(client, url: str) -> DataExport:
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("exports:list")
    export = DataExport.objects.get()
    assert export.status == ExportStatus.QUEUED
    assert tasks.build_export(export.pk) == ExportStatus.READY  # what the worker runs
    export.refresh_from_db()
    return export


def test_clinician_exports_a_patient_as_one_zip_with_bundle_csvs_reports_and_videos(client, clinician, analysed_a):
    patient = analysed_a.patient
    original = analysed_a.video.storage.open(analysed_a.video.name).read()
    client.force_login(clinician)
    export = _built(client, reverse("exports:patient", args=[patient.pk]))

    page = client.get(reverse("exports:list")).content.decode()
    link = reverse("exports:download", args=[services.export_token(export)]).split("/download/")[0]
    assert f'href="{link}/download/' in page and "Ready to download" in page
    response = client.get(reverse("exports:download", args=[services.export_token(export)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()

    bundle = json.loads(archive.read("fhir/everything.json"))
    construct_fhir_element("Bundle", bundle)  # valid R4
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "Encounter", "Observation", "Consent"} <= types
    results = list(csv.DictReader(io.StringIO(archive.read("results.csv").decode())))
    assert [row["assessment_id"] for row in results] == [str(analysed_a.pk)]
    assert archive.read("exercise_logs.csv").decode().startswith("performed_on,exercise,")
    assert [n for n in names if n.startswith("reports/") and n.endswith(".pdf")]
    assert archive.read(f"videos/assessment-{analysed_a.pk}-posterior.mp4") == original

    assert _audits(export)[0] == "data export requested"
    assert _audits(export)[1].startswith(f"data export built for {clinician.username}")
    assert _audits(export)[2].startswith("data export downloaded")


def test_athlete_downloads_their_own_data_and_no_one_else_opens_the_link(client, athlete_a, athlete_b, clinician):
    client.force_login(athlete_a[0])
    export = _built(client, reverse("exports:my-data"))
    assert export.patient == athlete_a[1] and export.by_athlete
    url = reverse("exports:download", args=[services.export_token(export)])
    for other in (athlete_b[0], clinician):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(athlete_a[0])
    assert client.get(url).status_code == 200
    tampered = url.replace(str(export.uid)[:4], "0000")
    assert client.get(tampered).status_code == 404


def test_an_expired_link_answers_410_and_the_sweep_deletes_the_zip(client, athlete_a):
    client.force_login(athlete_a[0])
    export = _built(client, reverse("exports:my-data"))
    # A link signed two days ago (TimestampSigner's own format), past EXPORT_LINK_TTL_S.
    old = signing.b62_encode(int(time.time()) - services.link_ttl_s() - 60)
    stale = signing.Signer(salt="exports.download").sign(f"{export.uid}:{old}")
    response = client.get(reverse("exports:download", args=[stale]))
    assert response.status_code == 410 and "expired" in response.content.decode()

    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    assert services.remove_expired_exports() == [export.pk]
    assert not storage.exists(name)
    assert client.get(reverse("exports:download", args=[services.export_token(export)])).status_code == 410
    assert services.remove_expired_exports() == []  # idempotent


def test_front_desk_cannot_export_clinical_data(client, front_desk, athlete_a):
    client.force_login(front_desk)
    response = client.post(reverse("exports:patient", args=[athlete_a[1].pk]))
    assert response.status_code == 403
    assert not DataExport.objects.exists()


def test_a_requester_who_lost_access_gets_a_failed_export_not_the_data(client, clinician, athlete_a):
    export = services.export_request(patient=athlete_a[1], requested_by=clinician)
    clinician.is_active = False
    clinician.save()
    built = services.export_build(export_id=export.pk)
    assert built.status == ExportStatus.FAILED and not built.file.name


def _self_check_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("self_checks.csv").decode())))


def test_the_athletes_export_holds_every_self_check_they_sent_as_the_portal_shows_it(
    client, athlete_a, clinician, finish
):
    """Right of access: a self-check is the athlete's data whether or not it joined the trend. It is
    in self_checks.csv (numbers and words only once reviewed, as in the portal), its video under
    videos/, and not in results.csv, the clinic's measurements."""
    user, patient = athlete_a
    sc = finish(self_check_create(patient=patient, video=upload_of(CAM03), view="posterior", sent_by=user))
    original = sc.video.storage.open(sc.video.name).read()
    client.force_login(user)

    def archive() -> zipfile.ZipFile:
        DataExport.objects.all().delete()
        export = _built(client, reverse("exports:my-data"))
        response = client.get(reverse("exports:download", args=[services.export_token(export)]))
        return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    waiting = archive()
    [row] = _self_check_rows(waiting)
    assert row["assessment_id"] == str(sc.pk) and row["state"] == "waiting_for_review"
    assert row["clinician_words"] == "" and row["mean_cpd_deg"] == "" and row["in_trend"] == "no"
    assert waiting.read(f"videos/self-check-{sc.pk}-posterior.mp4") == original
    assert list(csv.DictReader(io.StringIO(waiting.read("results.csv").decode()))) == []
    assert "self_checks.csv" in waiting.read("README.txt").decode()

    words = "Lovely steady running: keep the side-lying leg raises going."
    self_check_review(assessment=sc, comment=words, add_to_trend=False, reviewed_by=clinician)
    [row] = _self_check_rows(archive())
    assert row["state"] == "reviewed" and row["clinician_words"] == words
    assert row["reviewed_by"] == (clinician.get_full_name() or clinician.username)
