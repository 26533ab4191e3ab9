"""Speed benchmark in this process: the chunked path against one uninterrupted run on a 10 s, 60 fps,
1080x1920 clip, and decoding: OpenCV vs PyAV on cam03 looped to 10 s (1080p60 H.264) and at 4K
(issue 12; ``--decode-only``).

By default the clip is built by looping the Pose2Sim cam03 clip forwards and backwards (so the
motion stays continuous) into a temporary file. The last printed line is one JSON object with
``in_process_rtf``, ``chunked_in_process_rtf`` and the chunked path's per-frame differences.
The same chunks spread over real Celery workers are timed by ``manage.py bench_analysis``
(assessments/bench_workers.py), which uses the clip builder and ``decode_benchmark`` from here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "tests" / "data" / "pose2sim_cam03_posterior.mp4"
BENCH_SECONDS = 10.0
BENCH_FPS = 60.0
BENCH_SIZE = (1080, 1920)  # width, height


def build_bench_clip(
    out: Path, source: Path = DEFAULT_SOURCE, *, seconds: float = BENCH_SECONDS, fps: float = BENCH_FPS
) -> Path:
    """Loop ``source`` forwards then backwards (ping-pong) to ``seconds`` at 1080x1920, ``fps``."""
    cap = cv2.VideoCapture(str(source))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(_fit(frame, BENCH_SIZE))
    cap.release()
    if len(frames) < 2:
        raise SystemExit(f"Cannot read the benchmark source {source}.")
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    n = round(seconds * fps)
    fourcc = cv2.VideoWriter.fourcc(*"mp4v")
    writer = cv2.VideoWriter(str(out), fourcc, fps, BENCH_SIZE)
    for k in range(n):
        writer.write(frames[order[k % len(order)]])
    writer.release()
    return out


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop then resize to ``size`` (w, h) without distorting the person."""
    w, h = size
    fh, fw = frame.shape[:2]
    scale = max(w / fw, h / fh)
    cw, ch = round(w / scale), round(h / scale)
    x0, y0 = (fw - cw) // 2, (fh - ch) // 2
    crop = frame[y0 : y0 + ch, x0 : x0 + cw]
    return crop if crop.shape[1::-1] == size else cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def _summary_numbers(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Flatten the summary to {"left.cpd_midstance_deg.mean": value, ...} for degree-valued numbers."""
    out: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_summary_numbers(value, name + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def compare(plain: Any, fast: Any) -> dict[str, Any]:
    """Largest differences between two results of the same clip, in degrees."""
    common, pi, fi = np.intersect1d(plain.frame_index, fast.frame_index, return_indices=True)
    diff = np.abs(np.asarray(plain.pelvic_obliquity_deg)[pi] - np.asarray(fast.pelvic_obliquity_deg)[fi])
    diff = diff[np.isfinite(diff)]
    a, b = _summary_numbers(plain.summary), _summary_numbers(fast.summary)
    summary_diffs = {
        k: abs(a[k] - b[k])
        for k in a
        if k in b and (k.endswith("_deg") or "_deg." in k) and not k.endswith(".n") and not k.endswith(".sd")
    }
    worst_summary = max(summary_diffs.items(), key=lambda kv: kv[1]) if summary_diffs else (None, 0.0)
    frame_max = float(diff.max()) if len(diff) else math.nan
    return {
        "frames_compared": len(common),
        "frame_obliquity_diff_median_deg": round(float(np.median(diff)), 3) if len(diff) else None,
        "frame_obliquity_diff_p90_deg": round(float(np.percentile(diff, 90)), 3) if len(diff) else None,
        "frame_obliquity_diff_max_deg": round(frame_max, 3) if len(diff) else None,
        "summary_diff_max_deg": round(worst_summary[1], 3),
        "summary_diff_worst": worst_summary[0],
        "summary_values_compared": len(summary_diffs),
        "max_metric_diff_deg": round(max(frame_max if len(diff) else 0.0, worst_summary[1]), 3),
    }


def restart_floor(path: Path, view: str, plain: Any, *, start_s: float = 1.0, settle_s: float = 1.0) -> dict[str, Any]:
    """The plain path against itself: the same clip posed again from ``start_s`` in.

    MediaPipe's tracker carries state from frame to frame (its crop comes from the previous
    pose, its landmark filter from the previous values), so a run that starts later gives other
    per-frame numbers even once it has settled. That spread is the floor under any comparison
    of per-frame values between two ways of posing a clip, the chunks of plan.py included.
    """
    from . import pose as pose_mod
    from .metrics import pelvic_obliquity_deg
    from .video import iter_timed_frames, probe

    info = probe(path)
    stride = pose_mod.pose_stride(info.fps)
    start = round(start_s * info.fps) // stride * stride
    raw = pose_mod.run_streams(
        iter_timed_frames(info, start=start, step=stride),
        width=info.width,
        height=info.height,
        stride=stride,
        fps=info.fps,
    )
    late = pose_mod.fuse(raw, info=info, view=view).track  # type: ignore[arg-type]  # view arrives as a str from the command line
    late_obliquity = pelvic_obliquity_deg(late)
    _, pi, li = np.intersect1d(plain.frame_index, late.frame_index, return_indices=True)
    settled = late.frame_index[li] >= start + settle_s * info.fps
    diff = np.abs(np.asarray(plain.pelvic_obliquity_deg)[pi] - late_obliquity[li])[settled]
    diff = diff[np.isfinite(diff)]
    if not len(diff):
        return {"restart_frames_compared": 0}
    return {
        "restart_frames_compared": len(diff),
        "restart_obliquity_diff_median_deg": round(float(np.median(diff)), 3),
        "restart_obliquity_diff_p90_deg": round(float(np.percentile(diff, 90)), 3),
        "restart_obliquity_diff_max_deg": round(float(diff.max()), 3),
    }


def build_h264_clips(folder: Path, source: Path = DEFAULT_SOURCE, loops: int = 6) -> dict[str, Path] | None:
    """``source`` looped ``loops`` times (stream copy: its own H.264, 1088x1920 at 60 fps; 10 s for
    cam03) and the same scaled to 2160x3840 (portrait 4K), with ffmpeg; None without ffmpeg.
    Long enough that one burst of load elsewhere on a shared machine does not decide the figure."""
    import shutil
    import subprocess

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    hd, uhd = folder / "cam03_loop_1088x1920.mp4", folder / "cam03_loop_2160x3840.mp4"
    quiet = [ffmpeg, "-v", "error", "-y"]
    loop = [*quiet, "-stream_loop", str(loops - 1), "-i", str(source), "-c", "copy", "-an", str(hd)]
    scale = [
        *quiet,
        "-i",
        str(hd),
        "-vf",
        "scale=2160:3840",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        "-an",
        str(uhd),
    ]
    for args in (loop, scale):
        subprocess.run(args, check=True)  # noqa: S603 (fixed arguments, no user input)
    return {"1080p60": hd, "4k60": uhd}


def _opencv_fps(path: Path, threads: int) -> float:
    """Frames per second of the pre-PyAV decoder (OpenCV's FFmpeg backend), each frame to BGR."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, threads])
    n, t0 = 0, time.perf_counter()
    while cap.grab():
        ok, _frame = cap.retrieve()
        n += int(ok)
    wall = time.perf_counter() - t0
    cap.release()
    return n / wall


def _pyav_fps(path: Path, threads: bool) -> float:
    """Frames per second of the engine's decoder (video.iter_timed_frames: PyAV, upright BGR)."""
    from .video import iter_timed_frames, probe

    info = probe(path)
    n, t0 = 0, time.perf_counter()
    for _ in iter_timed_frames(info, threads=threads):
        n += 1
    return n / (time.perf_counter() - t0)


def decode_speed(path: Path, label: str, repeats: int = 3) -> dict[str, float]:
    """Decode fps (best of ``repeats``, the machine is shared) of OpenCV as the engine used it (one
    thread), OpenCV with FFmpeg's threads, and PyAV with and without threads, every frame to BGR."""
    runs = {
        "opencv_1thread": lambda: _opencv_fps(path, 1),
        "opencv_threads": lambda: _opencv_fps(path, 0),
        "pyav_1thread": lambda: _pyav_fps(path, False),
        "pyav_threads": lambda: _pyav_fps(path, True),
    }
    best = dict.fromkeys(runs, 0.0)
    for _ in range(repeats):  # interleaved, so a burst of load elsewhere hits every decoder alike
        for name, run in runs.items():
            best[name] = max(best[name], run())
    out = {f"decode_fps_{label}_{name}": round(fps, 1) for name, fps in best.items()}
    print(f"decode {label}: " + ", ".join(f"{k.split(label + '_')[1]} {v} fps" for k, v in out.items()), flush=True)
    return out


def _run(label: str, path: Path, view: str, **kwargs: Any) -> tuple[Any, float]:
    from .pipeline import analyse

    t0 = time.perf_counter()
    result = analyse(path, view, **kwargs)
    wall = time.perf_counter() - t0
    v = result.video
    print(
        f"{label:>9s}: {v['frames']} frames at {v['fps']:.0f} fps ({v['width']}x{v['height']}), "
        f"{len(result.pose['chunks'])} chunk(s): wall {wall:.2f} s, realtime factor {wall / v['duration_s']:.3f}",
        flush=True,
    )
    return result, wall


def decode_benchmark() -> dict[str, Any]:
    """Decode fps of OpenCV vs PyAV on cam03 looped to 10 s (1088x1920 H.264, 60 fps) and on the same at 4K."""
    with tempfile.TemporaryDirectory(prefix="bench_decode_") as tmp:
        clips = build_h264_clips(Path(tmp))
        if clips is None:  # no ffmpeg: the 1.7 s clip itself
            return decode_speed(DEFAULT_SOURCE, "1080p60")
        out: dict[str, Any] = {}
        for label, clip in clips.items():
            out.update(decode_speed(clip, label))
    return out


def main(argv: list[str] | None = None) -> int:
    from .plan import DEFAULT_CHUNK_S

    p = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    p.add_argument("path", nargs="?", help="clip to time (default: 10 s built from the Pose2Sim cam03 clip)")
    p.add_argument("--view", choices=("posterior", "anterior"), default="posterior")
    p.add_argument("--chunk-s", type=float, default=DEFAULT_CHUNK_S, help="chunk length of the chunked run")
    p.add_argument(
        "--decode-only", action="store_true", help="only time decoding: OpenCV vs PyAV on cam03 (1080p60) and 4K"
    )
    args = p.parse_args(argv)
    if args.decode_only:
        print(json.dumps(decode_benchmark()))
        return 0

    from .cli import native_stderr_silenced

    with tempfile.TemporaryDirectory(prefix="bench_analysis_") as tmp:
        if args.path:
            clip = Path(args.path)
        else:
            clip = build_bench_clip(Path(tmp) / "bench_10s_60fps_1080x1920.mp4")
            print(f"Built {clip.name}: {BENCH_SECONDS:.0f} s, {BENCH_FPS:.0f} fps, {BENCH_SIZE[0]}x{BENCH_SIZE[1]}")
        out: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_avg_1min_before": round(os.getloadavg()[0], 2)}
        out.update(decode_speed(clip, "clip", repeats=1))
        with native_stderr_silenced():
            whole, whole_wall = _run("one", clip, args.view, chunk_s=1e6)
            chunked, chunked_wall = _run("chunked", clip, args.view, chunk_s=args.chunk_s)
        duration = whole.video["duration_s"]
        diff = compare(whole, chunked)
        out.update(
            {
                "frames": whole.video["frames"],
                "fps": whole.video["fps"],
                "in_process_rtf": round(whole_wall / duration, 3),
                "chunked_in_process_rtf": round(chunked_wall / duration, 3),
                "chunks": len(chunked.pose["chunks"]),
                "chunked_median_diff_deg": diff["frame_obliquity_diff_median_deg"],
                "chunked_p90_diff_deg": diff["frame_obliquity_diff_p90_deg"],
                "chunked_summary_diff_max_deg": diff["summary_diff_max_deg"],
                "pose_cpu_s": round(whole.timing.pose_cpu_s, 2),
            }
        )
        print(
            f"Chunked vs one process: per-frame obliquity |diff| median {out['chunked_median_diff_deg']} deg, "
            f"p90 {out['chunked_p90_diff_deg']} deg; summary metrics max {out['chunked_summary_diff_max_deg']} deg."
        )
        out["load_avg_1min_after"] = round(os.getloadavg()[0], 2)
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
