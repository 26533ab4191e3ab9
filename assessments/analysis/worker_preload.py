"""Imported by the fast path's fork server: every pose worker then starts with MediaPipe loaded."""

from .chunks import preload_for_workers

preload_for_workers()
