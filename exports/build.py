"""The zip of one patient's data: the FHIR Bundle of Patient/$everything, CSVs of results and
exercise logs, the visit report PDFs and the original videos still kept. Read in the scope of
the person who asked (an athlete's own record; a clinician's clinical view)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings

from assessments.models import Assessment, private_storage
from assessments.report_context import visit_report_context
from assessments.report_pdf import render_visit_report_pdf
from assessments.selectors import athlete_self_check, patient_assessments, self_check_queryset_for, visit_report_items
from fhir_api.everything import patient_everything
from fhir_api.resources.bundle import searchset
from fhir_api.resources.common import Links
from fhir_api.selectors.base import Reader
from patients.models import Patient
from patients.selectors import visit_queryset_for
from programs.models import ExerciseLog

RESULT_COLUMNS = (
    "assessment_id",
    "source",
    "visit_date",
    "view",
    "status",
    "analysed_at",
    "quality_ok",
    "cpd_left_mean_deg",
    "cpd_right_mean_deg",
    "mean_cpd_deg",
    "asymmetry_deg",
    "cadence_spm",
    "hip_adduction_left_deg",
    "hip_adduction_right_deg",
    "fppa_left_deg",
    "fppa_right_deg",
    "video_removed_at",
    "video_removed_reason",
)
# Every self-check the athlete sent, accepted into the trend or not (their data all the same), as
# the athlete sees it in the portal: numbers and the clinician's words only once reviewed.
SELF_CHECK_COLUMNS = (
    "assessment_id",
    "sent_at",
    "view",
    "state",
    "reviewed_at",
    "reviewed_by",
    "clinician_words",
    "in_trend",
    "mean_cpd_deg",
    "cpd_left_mean_deg",
    "cpd_right_mean_deg",
    "cadence_spm",
    "video_removed_at",
)
LOG_COLUMNS = (
    "performed_on",
    "exercise",
    "sets_done",
    "reps_done",
    "hold_s_done",
    "load_kg",
    "pain_during",
    "pain_next_morning",
    "session_note",
    "exercise_note",
)
README = """Your data from {clinic}, exported on {when} (patient id {patient_id}).

fhir/everything.json   every record as an HL7 FHIR R4 Bundle (Patient/$everything)
results.csv            the measured running results, one row per analysed video
self_checks.csv        the self-check videos sent from the portal, with your clinician's review
exercise_logs.csv      the strength sessions logged, one row per exercise
reports/               the visit reports (PDF)
videos/                the original treadmill videos still kept (removed ones are listed in results.csv)
"""


def _links() -> Links:
    # The worker has no request: absolute links are written from SITE_URL.
    return Links(base=f"{settings.SITE_URL}/fhir/r4", site=lambda path: f"{settings.SITE_URL}{path}")


def _csv(rows: list[list[Any]], header: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _results(assessments: list[Assessment]) -> bytes:
    rows = []
    for a in assessments:
        values = {
            "assessment_id": a.pk,
            # A self-check accepted into the trend has no visit: labelled by its source, dated the day it was sent.
            "source": a.source,
            "visit_date": a.measured_on.isoformat(),
            "analysed_at": a.analysed_at.isoformat() if a.analysed_at else "",
            "video_removed_at": a.video_removed_at.isoformat() if a.video_removed_at else "",
        }
        rows.append([values.get(column, getattr(a, column, "")) for column in RESULT_COLUMNS])
    return _csv(rows, RESULT_COLUMNS)


def _self_checks(self_checks: list[Assessment]) -> bytes:
    rows = []
    for a in self_checks:
        shown = athlete_self_check(a)
        values = {
            "assessment_id": a.pk,
            "sent_at": a.created_at.isoformat(),
            "view": a.view,
            "state": shown.state,
            "reviewed_at": shown.reviewed_at.isoformat() if shown.reviewed_at else "",
            "reviewed_by": shown.reviewed_by,
            "clinician_words": shown.comment,
            "in_trend": "yes" if shown.in_trend else "no",
            "mean_cpd_deg": shown.mean_cpd_deg,
            "cpd_left_mean_deg": shown.cpd_left_mean_deg,
            "cpd_right_mean_deg": shown.cpd_right_mean_deg,
            "cadence_spm": shown.cadence_spm,
            "video_removed_at": a.video_removed_at.isoformat() if a.video_removed_at else "",
        }
        rows.append(["" if values[column] is None else values[column] for column in SELF_CHECK_COLUMNS])
    return _csv(rows, SELF_CHECK_COLUMNS)


def _logs(patient: Patient) -> bytes:
    entries = (
        ExerciseLog.objects.filter(session__patient=patient)
        .select_related("session", "item__exercise")
        .order_by("session__performed_on", "id")
    )
    rows = [
        [
            e.session.performed_on.isoformat(),
            str(e.item.exercise),
            e.sets_done,
            e.reps_done,
            e.hold_s_done,
            e.load_kg,
            e.pain_during,
            e.session.pain_next_morning,
            e.session.note,
            e.note,
        ]
        for e in entries
    ]
    return _csv(rows, LOG_COLUMNS)


def build_export_zip(*, patient: Patient, user: Any, target: Path, exported_at: str) -> None:
    """Write the zip to ``target``. Videos are copied in chunks (they can be large)."""
    reader = Reader(user=user, links=_links())
    resources = patient_everything(reader, str(patient.pk)) or []
    everything = f"{reader.links.base}/Patient/{patient.pk}/$everything"
    bundle = searchset(resources, total=len(resources), links=reader.links, self_url=everything)
    assessments = list(patient_assessments(user=user, patient=patient).select_related("visit"))
    self_checks = list(self_check_queryset_for(user).filter(patient=patient).order_by("created_at", "id"))
    storage = private_storage()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", README.format(clinic=settings.CLINIC_NAME, when=exported_at, patient_id=patient.pk))
        zf.writestr("fhir/everything.json", json.dumps(bundle, indent=2, ensure_ascii=False))
        zf.writestr("results.csv", _results(assessments))
        zf.writestr("self_checks.csv", _self_checks(self_checks))
        zf.writestr("exercise_logs.csv", _logs(patient))
        for visit in visit_queryset_for(user).filter(patient=patient).order_by("visit_date", "pk"):
            if not visit_report_items(user=user, visit=visit):
                continue
            context = {**visit_report_context(user=user, visit=visit), "clinic_name": settings.CLINIC_NAME}
            pdf = render_visit_report_pdf(context, storage=storage)
            zf.writestr(f"reports/visit-{visit.visit_date.isoformat()}-{visit.pk}.pdf", pdf)
        # An accepted self-check is in both lists: its video goes in once, under its own name.
        videos = {a.pk: ("assessment", a) for a in assessments} | {a.pk: ("self-check", a) for a in self_checks}
        for kind, a in videos.values():
            if a.video_removed_at is not None or not a.video.name or not storage.exists(a.video.name):
                continue
            suffix = Path(a.video.name).suffix or ".mp4"
            with (
                storage.open(a.video.name, "rb") as src,
                zf.open(f"videos/{kind}-{a.pk}-{a.view}{suffix}", "w") as dst,
            ):
                while chunk := src.read(1024 * 1024):
                    dst.write(chunk)
