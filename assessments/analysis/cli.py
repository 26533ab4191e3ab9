"""Command line: ``python -m assessments.analysis PATH [--view ...] [--json OUT] [--keyframes DIR]``.

Prints a readable summary; bad input ends with one plain sentence and a non-zero exit code,
never a traceback. ``main(argv)`` is what the ``analyze_video`` management command calls.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1

_METRIC_LABELS = (
    ("cpd_midstance_deg", "CPD at midstance", "deg"),
    ("cpd_peak_deg", "CPD peak in stance", "deg"),
    ("hip_adduction_peak_deg", "Hip adduction peak", "deg"),
    ("fppa_midstance_deg", "Knee FPPA at midstance", "deg"),
    ("step_width_ratio", "Step width / hip width", ""),
)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Hide MediaPipe/TFLite's C++ start-up chatter, which writes to file descriptor 2 directly.

    Python-level messages are printed after this block, so the user sees only our sentences.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="analyze_video", description="Measure hip drop (CPD) from a treadmill clip.")
    p.add_argument("path", help="video file (MP4, MOV, WebM or AVI)")
    p.add_argument(
        "--view",
        choices=("posterior", "anterior"),
        default="posterior",
        help="filmed from behind (default) or in front",
    )
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the result JSON here")
    p.add_argument("--keyframes", metavar="DIR", help="write keyframe PNGs into this folder")
    p.add_argument("--preview", metavar="OUT.webm", help="write an annotated preview video (WebM)")
    p.add_argument("--landmarks", metavar="OUT.npz", help="write per-frame landmarks (compressed .npz)")
    p.add_argument(
        "--fast", action="store_true",
        help="pose at 20 fps across worker processes (quicker; per-frame values differ from the default path)",
    )  # fmt: skip
    return p


def _fmt(v: object, unit: str = "deg") -> str:
    if v is None:
        return "-"
    return f"{v:+.1f} {unit}".rstrip() if unit else f"{v:+.2f}"


def format_summary(d: dict) -> str:
    v, s, q, t = d["video"], d["summary"], d["quality"], d["timing"]
    n_left = s["left"]["cpd_midstance_deg"]["n"]
    n_right = s["right"]["cpd_midstance_deg"]["n"]
    lines = [
        f"Hip-drop analysis {d['analysis_version']} ({d['view']} view)",
        f"Video: {v['width']}x{v['height']}, {v['fps']:.1f} fps, {v['frames']} frames, {v['duration_s']:.1f} s",
        f"Person found in {q['detection_rate']:.0%} of frames; stances measured: {n_left} left, {n_right} right",
        "",
        f"{'':26s}{'left':>22s}{'right':>22s}",
    ]
    for key, label, unit in _METRIC_LABELS:
        cells = []
        for side in ("left", "right"):
            m = s[side][key]
            if m["mean"] is None:
                cells.append("-")
            elif unit:
                sd = f" +/- {m['sd']:.1f}" if m["sd"] is not None else ""
                cells.append(f"{m['mean']:+.1f}{sd} {unit}")
            else:
                sd = f" +/- {m['sd']:.2f}" if m["sd"] is not None else ""
                cells.append(f"{m['mean']:+.2f}{sd}")
        lines.append(f"{label:26s}{cells[0]:>22s}{cells[1]:>22s}")
    cadence = s.get("cadence_spm")
    lines += [
        "",
        f"Mean CPD (roll-invariant): {_fmt(s.get('mean_cpd_deg'))}   "
        f"asymmetry (L-R): {_fmt(s.get('asymmetry_deg'))}   "
        f"cadence: {'-' if cadence is None else f'{cadence:.0f} steps/min'}",
        "Quality: OK" if q["ok"] else "Quality flags:",
    ]
    lines += [f"  - [{f['code']}] {f['message']}" for f in q["flags"]]
    lines.append(
        f"Time: {t['total_s']:.1f} s for {v['duration_s']:.1f} s of video "
        f"(realtime factor {t['realtime_factor']:.2f}, {d.get('pose', {}).get('path', '?')} path)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .pipeline import analyse
    from .video import VideoError

    out = Path(args.json_out) if args.json_out else None
    try:
        with native_stderr_silenced():
            result = analyse(
                args.path,
                args.view,
                fast=args.fast,
                keyframes_dir=args.keyframes,
                preview_path=args.preview,
                landmarks_path=args.landmarks,
            )
    except VideoError as exc:
        print(f"Cannot analyse {args.path}: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # one sentence, no traceback, for a command a clinician may run
        print(f"The analysis of {args.path} failed unexpectedly ({type(exc).__name__}: {exc}).", file=sys.stderr)
        return EXIT_FAILED
    d = result.to_dict()
    print(format_summary(d))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.to_json(indent=1))
        print(f"JSON written to {out}")
    if args.keyframes:
        print(f"Keyframes written to {args.keyframes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
