"""`manage.py bench_analysis [PATH]`: the chunked analysis on 1 and 2 real Celery worker processes
(assessments/bench_workers.py); ``--decode-only`` times the decoders (assessments/analysis/bench.py)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments import bench_workers
from assessments.analysis import bench


class Command(BaseCommand):
    help = (
        "Time the bench clip (10 s, 60 fps, 1080x1920) from upload to numbers and pictures on 1 and 2 Celery "
        "worker processes; the last line is one JSON object (rtf_1, rtf_2, speedup_2, chunked_*_diff_deg, "
        "projected_rtf_4/8, numbers_first_s, preview_s)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="clip to time (default: the 10 s bench clip built from cam03)")
        parser.add_argument("--chunk-s", type=float, default=None, help="chunk length (default ASSESSMENT_CHUNK_S)")
        parser.add_argument("--workers", default="1,2", help="worker process counts to time, in order")
        parser.add_argument(
            "--decode-only", action="store_true", help="only time decoding: OpenCV vs PyAV on cam03 (1080p60) and 4K"
        )

    def handle(self, *args: str, **options: object) -> None:
        if options["decode_only"]:
            self.stdout.write(json.dumps(bench.decode_benchmark()))
            return
        chunk_s = float(str(options["chunk_s"] or settings.ASSESSMENT_CHUNK_S))
        counts = tuple(int(n) for n in str(options["workers"]).split(","))
        path = Path(str(options["path"])) if options["path"] else None
        bench_workers.run(path, chunk_s=chunk_s, counts=counts, out=self.stdout.write)
