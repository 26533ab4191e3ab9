"""A cap on the memory one analysis job may take in its worker process (issue 18).

The upload's metadata limits keep most costly clips out; this is the backstop for the rest (a
codec that buffers many frames, a limit raised in the settings, a file stored before the limits
existed). The job's address space may grow by ``ASSESSMENT_JOB_MEMORY_MB`` (``RLIMIT_AS``, set
for the duration of the job and restored after, since a Celery child runs many jobs). Past it,
allocations fail: in NumPy or Python as ``MemoryError``, inside FFmpeg or MediaPipe as other
errors, so a failure is put down to the cap by the process's peak address space, not by the
exception's type.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assessments.analysis.video import VideoError

_MB = 1024 * 1024
# A peak within this of the cap means the job ran into it.
_NEAR_CAP = 64 * _MB


class JobOverMemory(VideoError):
    code = "over_memory"


def _address_space() -> tuple[int, int] | None:
    """(current, peak) address space of this process in bytes; None where /proc is missing."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmSize"].split()[0]) * 1024, int(fields["VmPeak"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def over_memory_reason(cap_mb: int) -> str:
    return (
        f"The analysis needed more memory than one job may use ({cap_mb} MB) and was stopped. Export the clip "
        "at 1080p (or 4K at most) and 60 fps, trim it to 10-20 seconds, and upload it again."
    )


@contextmanager
def memory_cap(cap_mb: int) -> Iterator[None]:
    """Let the code inside grow this process's address space by at most ``cap_mb`` MB.

    Raises ``JobOverMemory`` (a ``VideoError``: the job fails with its reason) when the code
    inside fails after reaching the cap. ``cap_mb`` <= 0, or no /proc, means no cap.
    """
    usage = _address_space() if cap_mb > 0 else None
    if usage is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = usage[0] + cap_mb * _MB
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    except JobOverMemory:
        raise
    except Exception as exc:
        after = _address_space()
        # The peak is the process's whole life: it counts only if this job raised it to the cap.
        reached = after is not None and after[1] > usage[1] and after[1] >= limit - _NEAR_CAP
        if isinstance(exc, MemoryError) or reached:
            raise JobOverMemory(over_memory_reason(cap_mb)) from exc
        raise
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
