"""Pictures for the report: keyframes of midstance and an annotated WebM preview.

Keyframes (issue 3, item 2): per side, the midstance frame whose CPD is closest to that side's
median and the one with the largest CPD, with the hip line, a horizontal reference through the
stance hip, the angle and the stance leg drawn. The preview is VP8 in WebM, which Chromium
plays (OpenCV's mp4v/MPEG-4 Part 2 does not play in browsers, and this OpenCV has no H.264
encoder).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .filtering import smooth_landmarks
from .track import JOINTS, Landmark, PoseTrack, Side
from .video import VideoInfo, iter_frames

PREVIEW_MAX_HEIGHT = 960
# Keyframes (issue 12, item 5): the full-size PNG stays (lossless, for placing hip points by hand
# and for the click-through); the page and the PDF get a JPEG at most 960 px on its long side,
# quality 82: ~100-200 kB instead of ~2.9 MB for a 1080p frame.
KEYFRAME_PAGE_LONG_SIDE = 960
KEYFRAME_PAGE_QUALITY = 82
PREVIEW_FOURCC = "VP80"
STANCE_COLOUR = {"left": (255, 160, 0), "right": (0, 140, 255)}  # BGR: blue-ish left, orange right
HIP_LINE = (0, 255, 255)
REFERENCE = (255, 255, 255)
BONES = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
)
_LEG = ("hip", "knee", "ankle", "heel", "foot_index")


def _pt(xy: np.ndarray, scale: float = 1.0) -> tuple[int, int] | None:
    if not np.all(np.isfinite(xy)):
        return None
    return round(xy[0] * scale), round(xy[1] * scale)


def _text(img: np.ndarray, text: str, org: tuple[int, int], size: float, colour=(255, 255, 255)) -> None:
    """Outlined text, shrunk and shifted so that it stays inside the picture."""
    h, w = img.shape[:2]
    thick = max(1, round(size * 2))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thick + 3)
    if tw > w - 10:
        size *= (w - 10) / tw
        thick = max(1, round(size * 2))
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thick + 3)
    x = int(min(max(5, org[0]), w - tw - 5))
    y = int(min(max(th + 5, org[1]), h - 5))
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, size, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, size, colour, thick, cv2.LINE_AA)


def draw_cpd(
    img: np.ndarray, xy: np.ndarray, side: Side, cpd_deg: float, *, scale: float = 1.0, label: str = ""
) -> None:
    """Hip line, horizontal reference through the stance hip, stance leg and the CPD value."""
    h = img.shape[0]
    lw = max(2, round(h / 400))
    colour = STANCE_COLOUR[side]
    leg = [_pt(xy[JOINTS[j][side]], scale) for j in _LEG]
    for a, b in itertools.pairwise(leg):
        if a and b:
            cv2.line(img, a, b, colour, lw + 2, cv2.LINE_AA)
    stance_hip = _pt(xy[JOINTS["hip"][side]], scale)
    swing_hip = _pt(xy[JOINTS["hip"]["right" if side == "left" else "left"]], scale)
    if stance_hip and swing_hip:
        hip_w = abs(swing_hip[0] - stance_hip[0]) or 1
        ext = int(hip_w * 0.8)
        direction = 1 if swing_hip[0] >= stance_hip[0] else -1
        ref_end = (stance_hip[0] + direction * (hip_w + ext), stance_hip[1])
        cv2.line(img, stance_hip, ref_end, REFERENCE, max(1, lw - 1), cv2.LINE_AA)
        # hip line, extended beyond the swing hip so small angles are visible
        dx, dy = swing_hip[0] - stance_hip[0], swing_hip[1] - stance_hip[1]
        k = (hip_w + ext) / max(abs(dx), 1)
        cv2.line(img, stance_hip, (int(stance_hip[0] + dx * k), int(stance_hip[1] + dy * k)), HIP_LINE, lw, cv2.LINE_AA)
        for p in (stance_hip, swing_hip):
            cv2.circle(img, p, lw * 2, HIP_LINE, -1, cv2.LINE_AA)
        size = min(h, 1.6 * img.shape[1]) / 900
        value = "n/a" if not math.isfinite(cpd_deg) else f"{cpd_deg:+.1f} deg"
        _text(
            img,
            f"{label}CPD {value}",
            (max(5, min(stance_hip[0], swing_hip[0]) - int(60 * size)), max(30, stance_hip[1] - int(60 * size))),
            size,
            HIP_LINE,
        )


def _side_picks(stance_metrics: Sequence[Any], side: Side) -> list[tuple[str, Any]]:
    ms = [m for m in stance_metrics if m.side == side and math.isfinite(m.cpd_midstance_deg)]
    if not ms:
        return []
    values = np.array([m.cpd_midstance_deg for m in ms])
    median = float(np.median(values))
    typical = ms[int(np.argmin(np.abs(values - median)))]
    largest = ms[int(np.argmax(values))]
    return [("median", typical), ("largest", largest)]


def page_sized(img: np.ndarray) -> np.ndarray:
    """The picture shrunk (never enlarged) to KEYFRAME_PAGE_LONG_SIDE on its long side."""
    h, w = img.shape[:2]
    scale = KEYFRAME_PAGE_LONG_SIDE / max(h, w)
    if scale >= 1:
        return img
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def write_keyframes(
    info: VideoInfo, result: Any, stance_metrics: Sequence[Any], out_dir: str | os.PathLike[str]
) -> list[dict[str, Any]]:
    """Write up to four keyframes (per side: typical and largest CPD at midstance), each as a
    full-size PNG and a page-sized JPEG; return their index."""
    track: PoseTrack = result.track
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xy = smooth_landmarks(track)
    sides: tuple[Side, Side] = ("left", "right")
    picks = [(side, kind, m) for side in sides for kind, m in _side_picks(stance_metrics, side)]
    wanted = {m.midstance_frame for _, _, m in picks}
    frames: dict[int, np.ndarray] = {}
    if wanted:
        for i, decoded in iter_frames(info, stop=max(wanted) + 1):
            if i in wanted:
                frames[i] = decoded
    written = []
    for side, kind, m in picks:
        picked = frames.get(m.midstance_frame)
        if picked is None:
            continue
        img = picked.copy()
        k = int(np.searchsorted(track.frame_index, m.midstance_frame))
        k = min(k, track.n_frames - 1)
        draw_cpd(img, xy[k], side, m.cpd_midstance_deg, label=f"{side} stance, ")
        size = min(info.height, 1.6 * info.width) / 1100
        _text(img, f"{side} stance, {kind} CPD of the clip", (10, int(45 * size)), size)
        _text(
            img,
            f"midstance: frame {m.midstance_frame}, {track.time_s[k]:.2f} s",
            (10, int(90 * size)),
            size,
        )
        path = out / f"{side}_{kind}_cpd_frame{m.midstance_frame:05d}.png"
        cv2.imwrite(str(path), img)
        page_path = path.with_name(f"{path.stem}_page.jpg")
        cv2.imwrite(str(page_path), page_sized(img), [cv2.IMWRITE_JPEG_QUALITY, KEYFRAME_PAGE_QUALITY])
        written.append(
            {
                "side": side,
                "kind": kind,
                "frame": m.midstance_frame,
                "cpd_midstance_deg": round(float(m.cpd_midstance_deg), 2),
                "path": os.fspath(path),
                "page_path": os.fspath(page_path),
            }
        )
    return written


def write_preview(
    info: VideoInfo,
    result: Any,
    stance_metrics: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    progress: Callable[[float], None] | None = None,
) -> str:
    """Annotated preview (VP8/WebM): skeleton, hip line and a running CPD readout per side."""
    track: PoseTrack = result.track
    xy = smooth_landmarks(track)
    obliquity = np.asarray(result.pelvic_obliquity_deg, dtype=float)
    scale = min(1.0, PREVIEW_MAX_HEIGHT / info.height)
    size = (round(info.width * scale) // 2 * 2, round(info.height * scale) // 2 * 2)
    fps = track.sample_fps
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter.fourcc(*PREVIEW_FOURCC)
    writer = cv2.VideoWriter(str(path), fourcc, fps, size)
    if not writer.isOpened():
        raise RuntimeError("This OpenCV build cannot write VP8/WebM previews.")
    by_mid = sorted(stance_metrics, key=lambda m: m.midstance_frame)
    sample_of = {int(f): k for k, f in enumerate(track.frame_index)}
    stride = int(np.median(np.diff(track.frame_index))) if track.n_frames > 1 else 1
    text_size = min(size[1], 1.6 * size[0]) / 1100
    try:
        for i, frame in iter_frames(info, start=int(track.frame_index[0]), step=stride):
            k = sample_of.get(i)
            if k is None:
                continue
            img = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            p = xy[k]
            lw = max(1, round(size[1] / 500))
            for a, b in BONES:
                pa, pb = _pt(p[a], scale), _pt(p[b], scale)
                if pa and pb:
                    cv2.line(img, pa, pb, (200, 200, 200), lw, cv2.LINE_AA)
            done = [m for m in by_mid if m.midstance_frame <= i]
            current = next(
                (m for m in reversed(done) if i - m.midstance_frame <= stride * 6 or m.toe_off_frame >= i), None
            )
            if current is not None:
                draw_cpd(img, p, current.side, current.cpd_midstance_deg, scale=scale)
            ob = obliquity[k]
            _text(
                img,
                f"{track.time_s[k]:5.2f} s  hip line {'-' if not np.isfinite(ob) else f'{ob:+.1f}'} deg",
                (8, int(30 * text_size + 10)),
                text_size,
            )
            for row, side in enumerate(("left", "right")):
                vals = [m.cpd_midstance_deg for m in done if m.side == side and math.isfinite(m.cpd_midstance_deg)]
                txt = f"{side}: " + (
                    f"CPD {vals[-1]:+.1f}, mean {np.mean(vals):+.1f} deg (n={len(vals)})" if vals else "-"
                )
                _text(img, txt, (8, int((70 + 40 * row) * text_size + 10)), text_size * 0.9, STANCE_COLOUR[side])
            writer.write(img)
            if progress is not None and track.n_frames:
                progress(k / track.n_frames)
    finally:
        writer.release()
    return os.fspath(path)
