import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from demo.load_data import LoadSize, seed_load


class Command(BaseCommand):
    help = (
        "Fill an empty, dedicated database with the load-run dataset (make load) and write the "
        "manifest of sign-ins and ids that loadtest/locustfile.py reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, help="where to write the JSON manifest")
        parser.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same data")
        for field in fields(LoadSize):
            parser.add_argument(f"--{field.name.replace('_', '-')}", type=int, default=field.default)

    def handle(self, *args: Any, **options: Any) -> None:
        size = LoadSize(**{field.name: options[field.name] for field in fields(LoadSize)})
        try:
            manifest = seed_load(size=size, seed=options["seed"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        Path(options["manifest"]).write_text(json.dumps(manifest))
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in manifest["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Load dataset ready: {counts}."))
