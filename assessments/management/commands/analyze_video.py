"""`manage.py analyze_video PATH [--view posterior|anterior] [--json OUT] [--keyframes DIR]`.

The command keeps its published name (README, people's scripts); identifiers spell "analyse".
"""

import sys

from django.core.management.base import BaseCommand

from assessments.analysis import cli


class Command(BaseCommand):
    help = "Measure hip drop in a treadmill video and print a summary (see assessments/analysis/cli.py)."

    def run_from_argv(self, argv: list[str]) -> None:
        # The engine's own argument parser owns the options, so the command line is the same
        # as `python -m assessments.analysis`.
        sys.exit(cli.main(argv[2:]))

    def handle(self, *args: str, **options: object) -> None:
        code = cli.main(list(args))
        if code:
            sys.exit(code)
