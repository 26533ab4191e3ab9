"""`manage.py bench_assessments`: trend endpoint latency for a patient with 100 assessments, and
upload-to-result time of the cam03 clip against the engine's own analysis time.

Everything it creates is removed at the end (the trend part runs in a rolled-back transaction).
By default the job runs in this process, exactly as the worker runs it (``analyse_assessment``);
``--worker`` starts a real Celery worker and measures through the broker as well.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import user_create
from assessments.models import Assessment, AssessmentStatus
from patients.consents import consent_record
from patients.models import Patient, Visit

CAM03 = Path(settings.BASE_DIR) / "tests" / "data" / "pose2sim_cam03_posterior.mp4"


MAX_TREND_QUERIES = 5


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Trend endpoint latency (100 assessments) and upload-to-result time vs the engine's analysis time."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=50, help="trend requests to time")
        parser.add_argument("--clip", default=str(CAM03))
        parser.add_argument("--worker", action="store_true", help="go through the broker and a real worker process")
        parser.add_argument("--skip-upload", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        report: dict[str, Any] = {}
        report.update(self.bench_trend(options["requests"]))
        if report["trend_queries"] > MAX_TREND_QUERIES:
            raise CommandError(
                f"The trend endpoint took {report['trend_queries']} queries (at most {MAX_TREND_QUERIES})."
            )
        if not options["skip_upload"]:
            report.update(self.bench_upload(Path(options["clip"]), use_worker=options["worker"]))
        self.stdout.write(json.dumps(report))

    def _people(self) -> tuple[Any, Patient]:
        tag = uuid.uuid4().hex[:8]
        clinician = user_create(username=f"bench-{tag}", email=f"bench-{tag}@example.org", role=Role.CLINICIAN)
        patient = Patient.objects.create(first_name="Bench", last_name=tag, date_of_birth=datetime.date(1990, 1, 1))
        consent_record(patient=patient, recorded_by=clinician, film_and_analyse=True, use_in_reports=True)
        return clinician, patient

    def bench_trend(self, n_requests: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            with transaction.atomic():
                clinician, patient = self._people()
                today = timezone.localdate()
                visits = Visit.objects.bulk_create(
                    Visit(patient=patient, clinician=clinician, visit_date=today - datetime.timedelta(days=7 * k))
                    for k in range(100)
                )
                Assessment.objects.bulk_create(
                    Assessment(
                        visit=visit,
                        patient=patient,
                        video=f"bench/{k}.mp4",
                        video_sha256="0" * 64,
                        video_size_bytes=1,
                        status=AssessmentStatus.DONE,
                        progress=100,
                        analysed_at=visit.created_at or datetime.datetime.now(datetime.UTC),
                        cpd_left_mean_deg=6 - k * 0.01,
                        cpd_right_mean_deg=4 + k * 0.01,
                        mean_cpd_deg=5.0,
                        asymmetry_deg=2 - k * 0.02,
                        cadence_spm=165.0,
                        n_left=9,
                        n_right=9,
                    )
                    for k, visit in enumerate(visits)
                )
                api = APIClient(SERVER_NAME="localhost")
                api.force_authenticate(user=clinician)
                url = f"/api/v1/patients/{patient.pk}/hip-drop-trend/"
                assert api.get(url).status_code == 200  # warm-up: permissions cached on the user
                timings = []
                with CaptureQueriesContext(connection) as queries:
                    response = api.get(url)
                n_queries = len(queries)  # read now: the next request clears the connection's log
                assert len(response.json()["points"]) == 100
                for _ in range(n_requests):
                    start = time.perf_counter()
                    api.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                out = {
                    "trend_points": 100,
                    "trend_queries": n_queries,
                    "trend_median_ms": round(statistics.median(timings), 2),
                    "trend_p90_ms": round(sorted(timings)[int(0.9 * len(timings)) - 1], 2),
                }
                self.stdout.write(
                    f"Trend endpoint, 100 assessments: {out['trend_queries']} queries, median "
                    f"{out['trend_median_ms']} ms, p90 {out['trend_p90_ms']} ms over {n_requests} requests (target < 50 ms)"
                )
                raise _Rollback
        except _Rollback:
            pass
        return out

    def bench_upload(self, clip: Path, *, use_worker: bool) -> dict[str, Any]:
        from assessments.analysis.pipeline import analyse
        from assessments.services import _output_paths
        from assessments.tasks import analyse_assessment

        with tempfile.TemporaryDirectory() as work:
            analyse(clip, "posterior", chunk_s=settings.ASSESSMENT_CHUNK_S)  # warm-up: model load, file cache
            start = time.perf_counter()
            analyse(clip, "posterior", chunk_s=settings.ASSESSMENT_CHUNK_S, **_output_paths(Path(work)))
            engine_s = time.perf_counter() - start
        self.stdout.write(f"Engine alone (with keyframes, preview, landmarks): {engine_s:.2f} s")

        clinician, patient = self._people()
        visit = Visit.objects.create(patient=patient, clinician=clinician, visit_date=timezone.localdate())
        worker = self._start_worker() if use_worker else None
        try:
            api = APIClient(SERVER_NAME="localhost")
            api.force_authenticate(user=clinician)
            upload = SimpleUploadedFile(clip.name, clip.read_bytes(), content_type="video/mp4")
            start = time.perf_counter()
            response = api.post("/api/v1/assessments/", {"visit": visit.pk, "view": "posterior", "video": upload})
            assert response.status_code == 201, response.content
            upload_s = time.perf_counter() - start
            assessment = Assessment.objects.get(pk=response.json()["id"])
            if worker is None:
                analyse_assessment.apply(args=[assessment.pk, str(assessment.job_id)])
            while True:
                assessment.refresh_from_db()
                if not assessment.is_running:
                    break
                time.sleep(0.25)  # about as often as the results page polls
            total_s = time.perf_counter() - start
            status = assessment.status
            job_timing = (assessment.result or {}).get("timing") or {}
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
            self._cleanup(patient, clinician)
        mode = "through the broker and a worker process" if worker is not None else "in process"
        self.stdout.write(
            f"Upload to result ({mode}): {total_s:.2f} s (upload and checks {upload_s:.2f} s), status {status}; "
            f"{total_s / engine_s:.2f}x the engine's own time (target < 1.5x); inside the job the engine measured "
            f"{job_timing.get('total_s')} s + {job_timing.get('outputs_s')} s of drawing"
        )
        return {
            "engine_s": round(engine_s, 3),
            "upload_check_s": round(upload_s, 3),
            "upload_to_result_s": round(total_s, 3),
            "upload_to_result_ratio": round(total_s / engine_s, 3),
            "mode": "worker" if worker is not None else "in_process",
            "job_engine_s": job_timing.get("total_s"),
            "job_outputs_s": job_timing.get("outputs_s"),
        }

    def _start_worker(self) -> subprocess.Popen:
        log = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])
        command = [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "clinic",
            "worker",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=os.environ.copy(), stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        # Ready and warm: the pool process has loaded the engine (assessments.tasks._warm_up_engine).
        while b"ready." not in log.read_bytes() or b"analysis engine warm" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        return process

    def _cleanup(self, patient: Patient, clinician: Any) -> None:
        for assessment in Assessment.objects.filter(patient=patient):
            storage = assessment.video.storage
            names = [assessment.video.name, assessment.landmarks.name, assessment.preview.name]
            names += [k.get("name") for k in assessment.keyframes or []]
            for name in filter(None, names):
                storage.delete(name)
        patient.delete()
        clinician.delete()
