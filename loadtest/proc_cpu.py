"""CPU seconds used by the web workers and the database's backends (Linux /proc), so a run on a
machine shared with other work still yields a figure that does not depend on the neighbours:
server CPU per request."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it are plain numbers.
    return text[text.rindex(")") + 2 :].split()


def _cpu_s(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def children_cpu_s(parent_pid: int) -> float:
    """CPU seconds of the processes whose parent is ``parent_pid`` (gunicorn's workers)."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat(pid)
        if fields and fields[1] == str(parent_pid):
            total += _cpu_s(fields)
    return total


def database_backends_cpu_s(database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``database`` (same machine only)."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres:") and f" {database} " in cmdline:
            fields = _stat(pid)
            total += _cpu_s(fields) if fields else 0.0
    return total
