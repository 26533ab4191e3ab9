"""``manage.py validate_engine REFERENCE.csv``: the engine against a clinic's or a lab's reference CPD.

The CSV has a header with ``clip, view, side, reference_cpd_deg`` and optionally ``stance`` (the
n-th stance of that side, from 1: a per-stance reference; empty = the side's mean) and
``engine_cpd_deg`` (the engine's value already known: the clip is then not analysed). Clip paths
are relative to the CSV's folder. Prints n, bias, 95% limits of agreement, ICC(2,1) and the SDD it
implies (agreement.py); clips the gate calls not measurable are left out, with the reason.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .agreement import agreement
from .quality import NOT_MEASURABLE, SMALLEST_DETECTABLE_DIFFERENCE_DEG

EXIT_BAD_INPUT = 2
REQUIRED = ("clip", "view", "side", "reference_cpd_deg")

Analyse = Callable[[Path, str], dict[str, Any]]


class ReferenceError(ValueError):
    """The reference file cannot be used; the message says why in one sentence."""


def _float(value: str, what: str, line: int) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ReferenceError(f"line {line}: {what} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ReferenceError(f"line {line}: {what} must be a finite number")
    return number


def read_reference(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceError(f"the header lacks {', '.join(missing)} (needs {', '.join(REQUIRED)})")
            rows = []
            for line, raw in enumerate(reader, start=2):
                side = (raw.get("side") or "").strip().lower()
                view = (raw.get("view") or "posterior").strip().lower()
                if side not in ("left", "right"):
                    raise ReferenceError(f"line {line}: side must be left or right, not {raw.get('side')!r}")
                if view not in ("posterior", "anterior"):
                    raise ReferenceError(f"line {line}: view must be posterior or anterior, not {view!r}")
                stance = (raw.get("stance") or "").strip()
                engine = (raw.get("engine_cpd_deg") or "").strip()
                rows.append(
                    {
                        "line": line,
                        "clip": (raw.get("clip") or "").strip(),
                        "view": view,
                        "side": side,
                        "reference": _float(raw["reference_cpd_deg"], "reference_cpd_deg", line),
                        "stance": int(_float(stance, "stance", line)) if stance else None,
                        "engine": _float(engine, "engine_cpd_deg", line) if engine else None,
                    }
                )
    except OSError as exc:
        raise ReferenceError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ReferenceError(f"{path} is not a text CSV file") from None
    if not rows:
        raise ReferenceError("the reference file has no rows")
    return rows


def _analyse_clip(path: Path, view: str) -> dict[str, Any]:
    from .pipeline import analyse

    return analyse(path, view).to_dict()


def engine_value(result: dict[str, Any], side: str, stance: int | None) -> float | None:
    if stance is None:
        return ((result.get("summary") or {}).get(side) or {}).get("cpd_midstance_deg", {}).get("mean")
    own = [s for s in result.get("stances") or [] if s.get("side") == side]
    return own[stance - 1].get("cpd_midstance_deg") if 0 < stance <= len(own) else None


def pair_up(rows: list[dict[str, Any]], base: Path, analyse: Analyse) -> tuple[list[tuple[float, float]], list[str]]:
    """Engine and reference values side by side; notes for the rows left out."""
    results: dict[tuple[str, str], dict[str, Any]] = {}
    pairs, notes = [], []
    for row in rows:
        value = row["engine"]
        if value is None:
            key = (row["clip"], row["view"])
            if key not in results:
                results[key] = analyse(base / row["clip"], row["view"])
            result = results[key]
            quality = result.get("quality") or {}
            if quality.get("status") == NOT_MEASURABLE:
                notes.append(f"line {row['line']}: {row['clip']} is not measurable ({' '.join(quality['reasons'])})")
                continue
            value = engine_value(result, row["side"], row["stance"])
        if value is None:
            notes.append(f"line {row['line']}: the engine has no {row['side']} value for {row['clip']}")
            continue
        pairs.append((float(value), row["reference"]))
    return pairs, notes


def format_agreement(d: dict[str, Any]) -> str:
    icc = "-" if d["icc_2_1"] is None else f"{d['icc_2_1']:.2f}"
    sdd = "-" if d["sdd_deg"] is None else f"{d['sdd_deg']:.1f} deg"
    return "\n".join(
        [
            f"Engine against reference, n = {d['n']} paired CPD values",
            f"Bias (engine - reference): {d['bias_deg']:+.2f} deg",
            f"95% limits of agreement: {d['loa_low_deg']:+.2f} to {d['loa_high_deg']:+.2f} deg",
            f"ICC(2,1), absolute agreement: {icc}",
            f"Smallest detectable difference implied: {sdd} (the clinic uses {SMALLEST_DETECTABLE_DIFFERENCE_DEG} deg "
            "from Dingenen 2018)",
        ]
    )


def main(argv: list[str] | None = None, *, analyse: Analyse = _analyse_clip) -> int:
    p = argparse.ArgumentParser(prog="validate_engine", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("reference", help="CSV: clip, view, side, reference_cpd_deg[, stance][, engine_cpd_deg]")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the statistics as JSON here")
    args = p.parse_args(argv)
    path = Path(args.reference)
    try:
        rows = read_reference(path)
        pairs, notes = pair_up(rows, path.parent, analyse)
        if len(pairs) < 2:
            raise ReferenceError("fewer than two usable pairs of engine and reference values")
        stats = agreement(np.array([e for e, _ in pairs]), np.array([r for _, r in pairs])).to_dict()
    except ReferenceError as exc:
        print(f"Cannot validate against {path}: {exc}.", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(format_agreement(stats))
    for note in notes:
        print(f"  left out: {note}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({**stats, "left_out": notes}, indent=1))
    return 0
