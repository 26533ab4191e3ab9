"""The Django-free hip-drop engine: ``analyse(path, view)`` -> ``AnalysisResult`` (pipeline.py).

Nothing here imports Django or the apps; MEASUREMENT.md is the contract it implements.
"""

from typing import Any

_PUBLIC = {"ANALYSIS_VERSION", "AnalysisResult", "VideoError", "analyse"}


def __getattr__(name: str) -> Any:
    # Lazy, so importing one module of the package (e.g. synthetic) does not load OpenCV.
    if name in _PUBLIC:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
