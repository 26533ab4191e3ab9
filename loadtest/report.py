"""Figures of a load run from the locustfile's per-request samples: reads and writes apart."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

# (started at, kind, name, response time ms, ok) as loadtest/locustfile.py writes them.
Sample = tuple[float, str, str, float, bool]
KINDS = ("read", "write", "auth")


def percentile(sorted_ms: list[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least pct% of samples at or below it)."""
    if not sorted_ms:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


@dataclass(frozen=True)
class Figures:
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Figures:
        ms = sorted(s[3] for s in samples)
        return cls(
            count=len(ms),
            errors=sum(1 for s in samples if not s[4]),
            p50_ms=round(percentile(ms, 50), 1),
            p95_ms=round(percentile(ms, 95), 1),
            p99_ms=round(percentile(ms, 99), 1),
            max_ms=round(ms[-1], 1) if ms else 0.0,
        )


def summarise(
    samples: list[Sample], task_errors: list[str] | None = None, server_cpu_s: dict[str, float] | None = None
) -> dict[str, Any]:
    """Figures per kind and per endpoint; requests per second over the work phase (not sign-in).

    ``task_errors`` are exceptions in the load users' own steps (a page without the expected form,
    say): they count as errors like failed requests.
    """
    by_kind = {kind: Figures.of([s for s in samples if s[1] == kind]) for kind in KINDS}
    by_name: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        by_name[(sample[1], sample[2])].append(sample)
    work = [s[0] for s in samples if s[1] != "auth"]
    seconds = max(work) - min(work) if work else 0.0
    cpu = server_cpu_s or {}

    def per_request_ms(side: str) -> float:
        used = cpu.get(f"{side}_stop", 0.0) - cpu.get(f"{side}_start", 0.0)
        return round(1000 * used / len(work), 1) if work else 0.0

    web_ms, database_ms = per_request_ms("web"), per_request_ms("database")
    return {
        "requests": len(work),
        "duration_s": round(seconds, 1),
        "rps": round(len(work) / seconds, 1) if seconds else 0.0,
        "errors": sum(1 for s in samples if not s[4]) + len(task_errors or []),
        "task_errors": len(task_errors or []),
        "web_cpu_ms_per_request": web_ms,
        "database_cpu_ms_per_request": database_ms,
        "capacity_rps_per_core": round(1000 / (web_ms + database_ms), 1) if web_ms + database_ms else 0.0,
        **{kind: asdict(figures) for kind, figures in by_kind.items()},
        "endpoints": {f"{kind}: {name}": asdict(Figures.of(rows)) for (kind, name), rows in sorted(by_name.items())},
    }


def table(summary: dict[str, Any]) -> str:
    head = f"{'':44} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    lines = [head, "-" * len(head)]

    def row(label: str, f: dict[str, Any]) -> str:
        return (
            f"{label[:44]:44} {f['count']:>7} {f['errors']:>6} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f} "
            f"{f['p99_ms']:>8.1f} {f['max_ms']:>8.1f}"
        )

    for label, figures in summary["endpoints"].items():
        lines.append(row(label, figures))
    lines.append("-" * len(head))
    for kind in KINDS:
        lines.append(row(f"ALL {kind.upper()}S", summary[kind]))
    return "\n".join(lines)
