"""`make test`: the whole suite in two passes, with any pytest arguments (PYTEST_ARGS).

1. Every test not marked ``serial``, on TEST_WORKERS processes at once (pytest-xdist, default 2;
   tests/parallel.py gives each its own var/ folder, test database and Redis databases).
2. The tests marked ``serial``, one at a time and alone: they stop or restart PostgreSQL and Redis,
   kill worker processes, or assert on their own timing or memory.

Both passes run; the exit status is the first failing pass's (a pass that selects nothing counts
as passed, unless neither selects anything). A ``-m`` expression of yours applies to both passes.
Plain ``python -m pytest <paths>`` still runs any test file on its own, serial tests included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

PASSED, NO_TESTS, INTERRUPTED = 0, 5, 2


def split_marker(args: list[str]) -> tuple[list[str], str | None]:
    """The arguments without ``-m EXPR`` (or ``-mEXPR``), and EXPR (the last one, as pytest takes it)."""
    rest: list[str] = []
    marker = None
    items = iter(args)
    for arg in items:
        if arg == "-m":
            marker = next(items, "")
        elif arg.startswith("-m") and not arg.startswith("--"):
            marker = arg[2:]
        else:
            rest.append(arg)
    return rest, marker


def combined(marker: str | None, selection: str) -> str:
    return f"({marker}) and {selection}" if marker else selection


def run_pass(title: str, args: list[str]) -> tuple[int, float]:
    print(f"\n=== make test: {title}\n", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *args])
    return code, time.monotonic() - started


def main(argv: list[str]) -> int:
    workers = int(os.environ.get("TEST_WORKERS", "2"))
    args, marker = split_marker(argv)
    passes = [
        (f"tests not marked serial, {workers} at a time", ["-n", str(workers), "-m", combined(marker, "not serial")]),
        ("tests marked serial, one at a time", ["-m", combined(marker, "serial")]),
    ]
    codes: list[int] = []
    for title, selection in passes:
        code, wall_s = run_pass(title, [*selection, *args])
        print(f"=== make test: {title}: exit status {code}, {wall_s:.0f} s", flush=True)
        codes.append(code)
        if code == INTERRUPTED:
            break
    failed = [code for code in codes if code not in (PASSED, NO_TESTS)]
    if failed:
        return failed[0]
    return NO_TESTS if all(code == NO_TESTS for code in codes) else PASSED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
