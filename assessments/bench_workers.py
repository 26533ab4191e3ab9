"""`manage.py bench_analysis`: the chunked analysis on real Celery worker processes (issue 15).

The bench clip (10 s, 60 fps, 1080x1920: analysis/bench.py) is uploaded through the services
with 1, then 2 worker processes running (``celery worker --concurrency 1`` each, on the
configured broker and database), and timed from the upload to the numbers on the page and to
the pictures. The same clip posed by one uninterrupted process is the reference for the
per-frame accuracy of the chunks. The last printed line is one JSON object.

How 4 and 8 workers are projected: from the 1-worker run, the measured cost per posed sample
(decode + one tracker, summed step wall time / samples), the per-task overhead (a pose task's
time from claim to finish minus its posing: file check, probe, seek, storage), the latency from
upload to the first chunk starting, and the merge-and-measure time. N workers get N/2 chunks
(two trackers each: N tasks, one per worker); the slowest task's samples (warm-up included)
times the cost, plus the overhead, the start latency and the merge-and-measure, over the
clip's duration. The measured cost is wall time on this machine as loaded; the ``_cpu`` figures
use the CPU time per sample instead (what a worker with a core of its own pays).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.analysis import bench
from assessments.analysis.plan import MIN_WARMUP_S, plan_pose
from assessments.analysis.video import probe
from assessments.models import AnalysisStep, Assessment, AssessmentStatus, StepStage

FINISHED = (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)


def start_workers(n: int, *, chunk_s: float, log_dir: Path) -> list[subprocess.Popen]:
    """``n`` worker processes of one pool process each, warm (MediaPipe loaded) before returning."""
    env = {**os.environ, "ASSESSMENT_CHUNK_S": str(chunk_s)}
    command = [sys.executable, "-m", "celery", "--app", "clinic", "worker", "--concurrency", "1", "--pool", "prefork"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    procs, logs = [], []
    for k in range(n):
        log = log_dir / f"worker-{n}-{k}.log"
        logs.append(log)
        command_k = [*command, "--hostname", f"bench{k}-{uuid.uuid4().hex[:6]}@%h"]
        procs.append(
            subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
                command_k, cwd=settings.BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
        )
    deadline = time.monotonic() + 120
    while not all(b"ready." in log.read_bytes() and b"analysis engine warm" in log.read_bytes() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            stop_workers(procs)
            raise RuntimeError(f"workers did not start: {logs[0].read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the worker and its pool process), MB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(c) for c in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def upload_and_wait(clip: Path, *, visit: Any, clinician: Any) -> dict[str, Any]:
    """Upload through the services; seconds to the numbers and to the pictures, and the row."""
    from assessments import services

    t0, started = time.perf_counter(), timezone.now()
    video = SimpleUploadedFile(clip.name, clip.read_bytes(), content_type="video/mp4")
    assessment = services.assessment_create(visit=visit, video=video, view="posterior", created_by=clinician)
    numbers_s = pictures_s = None
    while pictures_s is None:
        row = Assessment.objects.get(pk=assessment.pk)
        if row.status == AssessmentStatus.FAILED:
            raise RuntimeError(f"the bench clip failed: {row.failure_reason}")
        if numbers_s is None and row.status in FINISHED:
            numbers_s = time.perf_counter() - t0
        if numbers_s is not None and not row.pictures_pending:
            pictures_s = time.perf_counter() - t0
        if time.perf_counter() - t0 > 600:
            raise RuntimeError(f"the bench clip took longer than 10 minutes (assessment {assessment.pk})")
        time.sleep(0.05)
    return {"numbers_s": numbers_s, "pictures_s": pictures_s, "row": row, "started": started}


def step_costs(row: Assessment, started: datetime.datetime) -> dict[str, float]:
    """Per-sample cost, per-task overhead, start latency and merge-and-measure time of one run."""
    pose = list(AnalysisStep.objects.filter(job_id=row.job_id, stage=StepStage.POSE))
    measure = AnalysisStep.objects.get(job_id=row.job_id, stage=StepStage.MEASURE)
    wall = sum(s.wall_s or 0.0 for s in pose)
    samples = sum(s.samples for s in pose)
    spans = [(s.finished_at - s.started_at).total_seconds() for s in pose if s.finished_at and s.started_at]
    overhead = float(np.mean([span - (s.wall_s or 0.0) for span, s in zip(spans, pose, strict=False)]))
    first = min(s.started_at for s in pose if s.started_at)
    assert measure.finished_at and measure.started_at
    cpu = sum(s.cpu_s or 0.0 for s in pose)
    return {
        "cost_per_sample_ms": 1000 * wall / max(1, samples),
        # CPU time (all threads) per sample: the cost on a core of its own, whatever else the machine runs.
        "cpu_per_sample_ms": 1000 * cpu / max(1, samples),
        "task_overhead_s": overhead,
        "start_latency_s": (first - started).total_seconds(),
        "merge_measure_s": (measure.finished_at - measure.started_at).total_seconds(),
    }


def projected_rtf(clip: Path, costs: dict[str, float], workers: int, *, cost: str = "cost_per_sample_ms") -> float:
    """The realtime factor with ``workers`` processes, N/2 chunks of equal cost (module docstring)."""
    info = probe(clip)
    n_chunks = max(1, workers // 2)
    warm = MIN_WARMUP_S * info.fps
    kept_s = (info.frames - warm) / n_chunks / info.fps if n_chunks > 1 else info.duration_s + 1
    plan = plan_pose(info, chunk_s=kept_s)
    slowest = max(plan.samples(c, with_warmup=True) for c in plan.chunks)
    wall = costs["start_latency_s"] + costs["task_overhead_s"] + slowest * costs[cost] / 1000
    return (wall + costs["merge_measure_s"]) / info.duration_s


def accuracy(row: Assessment, reference: Any) -> dict[str, float]:
    """Per-frame obliquity of the workers' chunked result against one uninterrupted process."""
    frames = (row.result or {})["frames"]
    chunked = np.array([np.nan if v is None else v for v in frames["pelvic_obliquity_deg"]], dtype=float)
    _, ci, ri = np.intersect1d(np.asarray(frames["index"]), reference.frame_index, return_indices=True)
    diff = np.abs(chunked[ci] - np.asarray(reference.pelvic_obliquity_deg)[ri])
    diff = diff[np.isfinite(diff)]
    return {
        "chunked_median_diff_deg": round(float(np.median(diff)), 3),
        "chunked_p90_diff_deg": round(float(np.percentile(diff, 90)), 3),
        "chunked_max_diff_deg": round(float(diff.max()), 3),
        "chunked_frames_compared": len(diff),
    }


def run(clip: Path | None, *, chunk_s: float, counts: tuple[int, ...] = (1, 2), out=print) -> dict[str, Any]:
    from assessments.analysis.cli import native_stderr_silenced
    from assessments.analysis.pipeline import analyse
    from assessments.management.commands.bench_assessments import Command as Assessments

    helper = Assessments()
    with tempfile.TemporaryDirectory(prefix="bench_workers_") as tmp:
        work = Path(tmp)
        logs = Path(tempfile.mkdtemp(prefix="bench_worker_logs_"))  # kept: read them if a run stalls
        out(f"Worker logs in {logs}")
        if clip is None:
            clip = bench.build_bench_clip(work / "bench_10s_60fps_1080x1920.mp4")
            out(f"Built {clip.name}: 10 s, 60 fps, 1080x1920")
        report: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_avg_1min_before": round(os.getloadavg()[0], 2)}
        t0 = time.perf_counter()
        with native_stderr_silenced():
            reference = analyse(clip, "posterior", chunk_s=1e6)  # one uninterrupted process
        duration = reference.video["duration_s"]
        report["uninterrupted_in_process_rtf"] = round((time.perf_counter() - t0) / duration, 3)
        out(f"One uninterrupted process (in this one): realtime factor {report['uninterrupted_in_process_rtf']}")
        clinician, patient = helper._people()
        from patients.models import Visit

        visit = Visit.objects.create(patient=patient, clinician=clinician, visit_date=timezone.localdate())
        runs: dict[int, dict[str, Any]] = {}
        try:
            for n in counts:
                procs = start_workers(n, chunk_s=chunk_s, log_dir=logs)
                try:
                    runs[n] = upload_and_wait(clip, visit=visit, clinician=clinician)
                    runs[n]["rss_mb"] = max(rss_mb(p.pid) for p in procs)
                finally:
                    stop_workers(procs)
                r = runs[n]
                out(
                    f"{n} worker process(es): numbers after {r['numbers_s']:.2f} s (realtime factor "
                    f"{r['numbers_s'] / duration:.3f}), pictures after {r['pictures_s']:.2f} s; "
                    f"worker memory {r['rss_mb']:.0f} MB"
                )
            costs = step_costs(runs[counts[0]]["row"], runs[counts[0]]["started"])
            report.update(accuracy(runs[counts[-1]]["row"], reference))
            projected = {f"projected_rtf_{n}": projected_rtf(clip, costs, n) for n in (4, 8)}
            projected |= {
                f"projected_rtf_{n}_cpu": projected_rtf(clip, costs, n, cost="cpu_per_sample_ms") for n in (4, 8)
            }
        finally:
            helper._cleanup(patient, clinician)
    rtf = {n: runs[n]["numbers_s"] / duration for n in counts}
    report.update({f"rtf_{n}": round(v, 3) for n, v in rtf.items()})
    report["speedup_2"] = round(rtf[1] / rtf[2], 3) if 1 in rtf and 2 in rtf else None
    report.update({k: round(v, 3) for k, v in costs.items()})
    report.update({name: round(v, 3) for name, v in projected.items()})
    last = counts[-1]
    report["numbers_first_s"] = round(runs[last]["numbers_s"], 2)
    report["preview_s"] = round(runs[last]["pictures_s"], 2)
    report["worker_rss_mb"] = round(max(r["rss_mb"] for r in runs.values()), 1)
    report["clips_per_hour_per_core"] = round(3600 / runs[counts[0]]["pictures_s"], 1)
    report["chunk_s"] = chunk_s
    report["load_avg_1min_after"] = round(os.getloadavg()[0], 2)
    out(
        f"Chunked vs one uninterrupted process: per-frame obliquity |diff| median {report['chunked_median_diff_deg']} "
        f"deg, p90 {report['chunked_p90_diff_deg']} deg over {report['chunked_frames_compared']} frames."
    )
    out(
        f"Projected (cost {report['cost_per_sample_ms']} ms per posed sample, {report['task_overhead_s']} s per task, "
        f"start {report['start_latency_s']} s, merge and measure {report['merge_measure_s']} s; N/2 chunks of equal "
        f"cost for N workers): 4 workers {report['projected_rtf_4']}, 8 workers {report['projected_rtf_8']}; "
        f"from CPU time per sample ({report['cpu_per_sample_ms']} ms, a core per worker): "
        f"4 workers {report['projected_rtf_4_cpu']}, 8 workers {report['projected_rtf_8_cpu']}."
    )
    out(json.dumps(report))
    return report
