"""The clip limits of the settings, shared by the upload check and the worker."""

from __future__ import annotations

from django.conf import settings

from assessments.analysis.video import VideoLimits


def upload_limits() -> VideoLimits:
    """What a clip may claim (size, frame rate, pixels per second, frames), read from the container."""
    return VideoLimits(
        max_side_px=settings.ASSESSMENT_MAX_SIDE_PX,
        max_pixels_per_s=settings.ASSESSMENT_MAX_PIXELS_PER_S,
        max_frames=settings.ASSESSMENT_MAX_FRAMES,
        max_fps=settings.ASSESSMENT_MAX_FPS,
    )
