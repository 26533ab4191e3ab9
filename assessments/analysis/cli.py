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

from .plan import DEFAULT_CHUNK_S
from .quality import LOW_CONFIDENCE, NOT_MEASURABLE, SMALLEST_DETECTABLE_DIFFERENCE_DEG, status_of, status_reasons
from .summary import METRIC_LABELS

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


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
        "--chunk-s",
        type=float,
        default=DEFAULT_CHUNK_S,
        help=f"chunk length of the pose plan in seconds (default {DEFAULT_CHUNK_S:g}, as ASSESSMENT_CHUNK_S)",
    )
    return p


def _fmt(v: object, unit: str = "deg") -> str:
    if v is None:
        return "-"
    return f"{v:+.1f} {unit}".rstrip() if unit else f"{v:+.2f}"


def _cell(m: dict, unit: str) -> str:
    """Mean with its 95% confidence interval over the stances, and n."""
    if m["mean"] is None:
        return "-"
    digits = 1 if unit else 2
    ci = ""
    if m.get("ci95_low") is not None and m.get("ci95_high") is not None:
        ci = f" [{m['ci95_low']:+.{digits}f}, {m['ci95_high']:+.{digits}f}]"
    return f"{m['mean']:+.{digits}f}{ci} (n={m['n']})"


def format_summary(d: dict) -> str:
    v, s, q, t = d["video"], d["summary"], d["quality"], d["timing"]
    flags = q.get("flags") or []
    status = q.get("status") or status_of(f["code"] for f in flags)
    measures = q.get("measures") or {}
    n_left, n_right = (int(measures.get(f"stances_{side}") or 0) for side in ("left", "right"))
    lines = [
        f"Hip-drop analysis {d['analysis_version']} ({d['view']} view)",
        f"Video: {v['width']}x{v['height']}, {v['fps']:.1f} fps, {v['frames']} frames, {v['duration_s']:.1f} s",
        f"Person found in {q['detection_rate']:.0%} of frames; stances measured: {n_left} left, {n_right} right",
        "",
    ]
    if status == NOT_MEASURABLE:
        # No table: any number here would describe something other than the runner's pelvis.
        lines.append("NOT MEASURABLE: no hip-drop number can be given for this clip.")
        lines += [f"  - {reason}" for reason in status_reasons(flags)]
    else:
        if status == LOW_CONFIDENCE:
            lines.append("LOW CONFIDENCE: the numbers below may be off and do not count for trend changes:")
            lines += [f"  - {reason}" for reason in status_reasons(flags)]
            lines.append("")
        lines.append(f"{'mean [95% CI over stances]':28s}{'left':>26s}{'right':>26s}")
        for key, (label, unit) in METRIC_LABELS.items():
            cells = [_cell(s[side][key], unit) for side in ("left", "right")]
            lines.append(f"{label + (f' ({unit})' if unit else ''):28s}{cells[0]:>26s}{cells[1]:>26s}")
        cadence = s.get("cadence_spm")
        lines += [
            "",
            f"Mean CPD (roll-invariant): {_fmt(s.get('mean_cpd_deg'))}   "
            f"asymmetry (L-R): {_fmt(s.get('asymmetry_deg'))}   "
            f"cadence: {'-' if cadence is None else f'{cadence:.0f} steps/min'}",
            f"A CPD change between visits is real only beyond {SMALLEST_DETECTABLE_DIFFERENCE_DEG} deg (smallest "
            "detectable difference), between two measurable clips with at least 7 steps per side.",
        ]
    lines.append("Quality: OK" if q["ok"] else "Quality flags:")
    lines += [f"  - [{f['code']}] {f['message']}" for f in flags]
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
                chunk_s=args.chunk_s,
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
