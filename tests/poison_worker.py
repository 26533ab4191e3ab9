"""A Celery app for tests whose engine kills its own process on one video: a "poison" clip.

It stands in for a clip that crashes the decoder or exhausts memory (the kernel's OOM killer
sends SIGKILL). Production code has no such hook: this module replaces the engine's ``analyse``
in the worker's main process, before the prefork pool starts, so every pool process inherits it.
Run it with ``celery --app tests.poison_worker worker`` and STRIDE_POISON_SHA256 set.
"""

from __future__ import annotations

import hashlib
import os
import signal
from typing import Any

from assessments.analysis import pipeline
from clinic.celery import app

POISON_SHA256 = os.environ["STRIDE_POISON_SHA256"]
_analyse = pipeline.analyse


def analyse(video_path: Any, *args: Any, **kwargs: Any) -> Any:
    with open(video_path, "rb") as fh:
        if hashlib.sha256(fh.read()).hexdigest() == POISON_SHA256:
            os.kill(os.getpid(), signal.SIGKILL)
    return _analyse(video_path, *args, **kwargs)


pipeline.analyse = analyse
__all__ = ["app"]
