"""`manage.py bench_analysis [PATH]`: plain vs fast analysis path, realtime factors and differences."""

import sys

from django.core.management.base import BaseCommand

from assessments.analysis import bench


class Command(BaseCommand):
    help = "Benchmark the analysis engine on a 10 s 60 fps 1080x1920 clip (see assessments/analysis/bench.py)."

    def run_from_argv(self, argv: list[str]) -> None:
        sys.exit(bench.main(argv[2:]))

    def handle(self, *args: str, **options: object) -> None:
        code = bench.main(list(args))
        if code:
            sys.exit(code)
