"""`manage.py validate_engine REFERENCE.csv [--json OUT]`: bias, limits of agreement, ICC(2,1), SDD."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.analysis import validate


class Command(BaseCommand):
    help = "Compare the engine's CPD with a reference (clinician reads or a lab): see assessments/analysis/validate.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="CSV: clip, view, side, reference_cpd_deg[, stance][, engine_cpd_deg]")
        parser.add_argument("--json", dest="json_out", metavar="OUT", help="write the statistics as JSON here")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [options["reference"]] + (["--json", options["json_out"]] if options.get("json_out") else [])
        code = validate.main(argv)
        if code:
            sys.exit(code)
