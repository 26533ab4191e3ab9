"""Phone-style files made with ffmpeg from the project's own posterior clip (issue 12).

Phones store a portrait clip as landscape pixels plus a rotation (display matrix), drop frames
in low light (variable frame rate), may carry several video streams, long audio tracks, or a
slow-motion capture rate. Each builder writes one such file; ``build_phone_clips`` makes them
all once per test session (see the ``phone_clips`` fixture). Without ffmpeg the tests skip with
a message, as the browser tests do without Chromium.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

CAM03 = Path(__file__).resolve().parents[1] / "data" / "pose2sim_cam03_posterior.mp4"

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
SKIP_REASON = "ffmpeg/ffprobe are not installed (Debian: apt-get install ffmpeg); phone-style clips cannot be made"
# High quality, so re-encoding moves per-frame pelvic obliquity far less than the 0.5 deg asked.
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p"]
HEVC = ["-c:v", "libx265", "-preset", "ultrafast", "-crf", "14", "-tag:v", "hvc1", "-x265-params", "log-level=error"]
# Stored pixels turned clockwise by the display rotation (counter-clockwise degrees, as ffprobe
# prints the display matrix), so that a player turning them back shows the original clip.
_TURN_CLOCKWISE = {90: "transpose=clock", 180: "hflip,vflip", 270: "transpose=cclock"}


# The ffmpeg command lines below end in fmt: skip: each flag stays beside its value.
def run(*args: str) -> None:
    subprocess.run([FFMPEG or "ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


@functools.cache
def _has_display_rotation() -> bool:
    # FFmpeg 6+ sets a display matrix with the input option -display_rotation; 5.x (Debian 12)
    # turns the "rotate" stream tag into one when muxing MP4/MOV.
    out = subprocess.run([FFMPEG or "ffmpeg", "-hide_banner", "-h", "full"], capture_output=True, text=True).stdout
    return "-display_rotation" in out


def rotated(out: Path, rotation: int, codec: list[str]) -> Path:
    """Pixels stored turned, plus a display matrix of ``rotation`` degrees that turns them back."""
    raw = out.with_name(out.stem + "-pixels" + out.suffix)
    run("-i", str(CAM03), "-vf", _TURN_CLOCKWISE[rotation], *codec, "-an", str(raw))
    if _has_display_rotation():
        run("-display_rotation", str(rotation), "-i", str(raw), "-c", "copy", str(out))
    else:
        run("-i", str(raw), "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", str(out))
    raw.unlink()
    return out


def variable_rate(out: Path) -> Path:
    """Frames dropped irregularly (1 in 7 and 1 in 11), the kept ones at their original times."""
    run(
        "-i", str(CAM03), "-vf", "select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'",
        "-fps_mode", "vfr", *H264, "-an", str(out),
    )  # fmt: skip
    return out


def two_streams(out: Path) -> Path:
    """A mirrored copy of the clip as stream 0 and the clip itself as stream 1, marked default."""
    run(
        "-i", str(CAM03), "-filter_complex", "[0:v]hflip[other]", "-map", "[other]", "-map", "0:v",
        *H264, "-disposition:v:0", "0", "-disposition:v:1", "default", str(out),
    )  # fmt: skip
    return out


def long_audio(out: Path) -> Path:
    """The clip (stream copy) with 300 s of sine tone beside it, in Matroska: the container lasts 300 s."""
    run(
        "-i", str(CAM03), "-f", "lavfi", "-i", "sine=frequency=440:duration=300",
        "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "libopus", "-b:a", "16k", str(out),
    )  # fmt: skip
    return out


def audio_only(out: Path) -> Path:
    run("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", str(out))
    return out


def slow_motion(out: Path, *, tagged: bool = True) -> Path:
    """The 60 fps clip played at 30 fps (each frame kept, shown twice as long), as a phone's
    slow-motion export, with the Android capture-rate tag (``tagged``) or without it."""
    tag = ["-movflags", "use_metadata_tags", "-metadata", "com.android.capture.fps=60.000000"] if tagged else []
    run("-i", str(CAM03), "-vf", "setpts=2*PTS", "-r", "30", *H264, "-an", *tag, str(out))
    return out


def over_limit_clips(folder: Path) -> dict[str, Path]:
    """Issue 18's two clips that cost far more than their size: three black frames of
    16384x8704 pixels (a few hundred KB; three, so the job gets past the
    single-picture check and meets the memory cap) and a 32x32 clip at 1000 frames per second."""
    huge, fast = folder / "huge.mp4", folder / "fast.mp4"
    run("-f", "lavfi", "-i", "color=c=black:s=16384x8704:r=30", "-frames:v", "3",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", str(huge))  # fmt: skip
    run("-f", "lavfi", "-i", "color=c=black:s=32x32:r=1000:d=3", "-c:v", "libx264", "-preset", "ultrafast", str(fast))
    return {"huge": huge, "fast": fast}


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "rot90_mp4": lambda folder: rotated(folder / "rot90.mp4", 90, H264),
    "rot180_mp4": lambda folder: rotated(folder / "rot180.mp4", 180, H264),
    "rot270_mp4": lambda folder: rotated(folder / "rot270.mp4", 270, H264),
    "rot90_hevc_mov": lambda folder: rotated(folder / "rot90_hevc.mov", 90, HEVC),
    "rot270_hevc_mov": lambda folder: rotated(folder / "rot270_hevc.mov", 270, HEVC),
    "vfr_mp4": lambda folder: variable_rate(folder / "vfr.mp4"),
    "two_streams_mp4": lambda folder: two_streams(folder / "two_streams.mp4"),
    "long_audio_mkv": lambda folder: long_audio(folder / "long_audio.mkv"),
    "audio_only_mp4": lambda folder: audio_only(folder / "audio_only.mp4"),
    "audio_only_mov": lambda folder: audio_only(folder / "audio_only.mov"),
    "slow_motion_mp4": lambda folder: slow_motion(folder / "slow_motion.mp4"),
    "slow_motion_untagged_mp4": lambda folder: slow_motion(folder / "slow_motion_untagged.mp4", tagged=False),
}


class PhoneClips:
    """The clips of ``BUILDERS``, each made the first time a test asks for it (``clips["vfr_mp4"]``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, Path] = {}

    def __getitem__(self, key: str) -> Path:
        if key not in self._made:
            self._made[key] = BUILDERS[key](self.folder)
        return self._made[key]


def pts_times(path: Path, stream: str = "v:0") -> list[float]:
    """Presentation times of one video stream's frames, as ffprobe reads them."""
    out = subprocess.run(
        [FFPROBE or "ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
         "frame=best_effort_timestamp_time", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [float(line.strip(",")) for line in out.split() if line.strip(",") not in ("", "N/A")]
