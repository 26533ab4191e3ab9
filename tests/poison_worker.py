"""A Celery app for tests whose engine kills its own process on one video: a "poison" clip.

It stands in for a clip that crashes the decoder or exhausts memory (the kernel's OOM killer
sends SIGKILL). Production code has no such hook: this module replaces the engine's pose stage
(``chunks.pose_chunk``, which every analysis runs) in the worker's main process, before the prefork pool starts, so every pool process inherits it.
Run it with ``celery --app tests.poison_worker worker`` and STRIDE_POISON_SHA256 set.
"""

from __future__ import annotations

import hashlib
import os
import signal
from typing import Any

from assessments.analysis import chunks
from clinic.celery import app

POISON_SHA256 = os.environ["STRIDE_POISON_SHA256"]
_pose_chunk = chunks.pose_chunk


def pose_chunk(info: Any, *args: Any, **kwargs: Any) -> Any:
    with open(info.path, "rb") as fh:
        if hashlib.sha256(fh.read()).hexdigest() == POISON_SHA256:
            os.kill(os.getpid(), signal.SIGKILL)
    return _pose_chunk(info, *args, **kwargs)


chunks.pose_chunk = pose_chunk
__all__ = ["app"]
