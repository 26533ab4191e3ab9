"""Imported once by the fast path's fork server so every pose worker starts with MediaPipe loaded."""

from .pose import import_mediapipe

import_mediapipe()
