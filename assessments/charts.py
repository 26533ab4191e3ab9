"""Small inline SVG charts drawn on the server: no JavaScript library, no CDN, print-friendly.

Each chart names its axes and units, and carries a text alternative (``<title>`` and a ``<desc>``
summing up what it shows, WCAG 1.1.1); the numbers themselves are in the table beside each chart
(the stances table, the trend table), which is where a screen reader user reads them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.selectors import Trend

SIDE_COLOUR = {"left": "#1f6feb", "right": "#d9480f"}
W, H = 800, 280
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 52
TICK_Y = H - PAD_B + 18  # the x axis' tick labels, then its title below them


def _nice_limit(values: Sequence[float], minimum: float) -> float:
    biggest = max([abs(v) for v in values] + [minimum])
    return math.ceil(biggest + 0.5)


def _tick_step(span: float) -> float:
    """About 5-10 horizontal lines whatever the range."""
    return next((step for step in (1.0, 2.0, 5.0, 10.0, 20.0) if span / step <= 10), 50.0)


def _y_scale(lo: float, hi: float):
    def y(value: float) -> float:
        return PAD_T + (hi - value) / (hi - lo) * (H - PAD_T - PAD_B)

    return y


def _x_scale(lo: float, hi: float):
    span = hi - lo or 1.0

    def x(value: float) -> float:
        return PAD_L + (value - lo) / span * (W - PAD_L - PAD_R)

    return x


def _y_axis(lo: float, hi: float, y, step: float, unit: str = "°") -> list[str]:
    parts = []
    tick = math.ceil(lo / step) * step
    while tick <= hi + 1e-9:
        yy = y(tick)
        weight = "#98a2b3" if abs(tick) < 1e-9 else "#e4e7ec"
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{weight}"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{tick:g}{unit}</text>')
        tick += step
    return parts


def _axes(x_title: str, y_title: str) -> list[str]:
    """Both axis lines and their titles (the y title turned to run up the axis)."""
    bottom, mid_y = H - PAD_B, (PAD_T + H - PAD_B) / 2
    return [
        f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{bottom}" stroke="#667085"/>',
        f'<line class="axis" x1="{PAD_L}" x2="{W - PAD_R}" y1="{bottom}" y2="{bottom}" stroke="#667085"/>',
        f'<text class="axis-title" x="{(PAD_L + W - PAD_R) / 2:.1f}" y="{H - 6}" text-anchor="middle">{escape(x_title)}</text>',
        f'<text class="axis-title" x="14" y="{mid_y:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid_y:.1f})">{escape(y_title)}</text>',
    ]


def _polyline(points: list[tuple[float, float]], colour: str, *, dashed: bool = False) -> str:
    if not points:
        return ""
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'


def obliquity_chart(result: dict[str, Any]) -> SafeString:
    """Pelvic obliquity per frame over time, each stance phase shaded in its side's colour."""
    frames = result.get("frames") or {}
    times = frames.get("time_s") or []
    values = frames.get("pelvic_obliquity_deg") or []
    fps = float((result.get("video") or {}).get("fps") or 0) or 1.0
    finite = [v for v in values if v is not None]
    if len(times) < 2 or not finite:
        return mark_safe('<p class="muted">No pelvic obliquity could be measured on this clip.</p>')
    limit = _nice_limit(finite, 4.0)
    y = _y_scale(-limit, limit)
    t0, t1 = float(times[0]), float(times[-1])
    x = _x_scale(t0, t1)
    stances = result.get("stances") or []
    sides = [stance.get("side") for stance in stances]
    summary = (
        f"{t1 - t0:.1f} seconds of video, {len(finite)} frames measured; obliquity from {min(finite):.1f}° "
        f"to {max(finite):.1f}°. {sides.count('left')} left and {sides.count('right')} right stance phases "
        "shaded; their values are in the stances table."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="obliquity-title obliquity-desc" '
        f'preserveAspectRatio="none" data-points="{len(finite)}">',
        '<title id="obliquity-title">Pelvic obliquity over time, stance phases shaded</title>',
        f'<desc id="obliquity-desc">{escape(summary)}</desc>',
    ]
    for stance in stances:
        contact, toe_off = stance.get("contact_frame"), stance.get("toe_off_frame")
        if contact is None or toe_off is None:
            continue
        xa, xb = x(max(t0, contact / fps)), x(min(t1, toe_off / fps))
        colour = SIDE_COLOUR.get(stance.get("side"), "#999")
        parts.append(
            f'<rect class="stance stance-{escape(stance.get("side"))}" x="{xa:.1f}" y="{PAD_T}" '
            f'width="{max(0.5, xb - xa):.1f}" height="{H - PAD_T - PAD_B}" fill="{colour}" fill-opacity="0.13"/>'
        )
    parts += _y_axis(-limit, limit, y, step=_tick_step(2 * limit))
    parts += _axes("Time (seconds)", "Obliquity (°)")
    second = math.ceil(t0)
    while second <= t1:
        parts.append(f'<text x="{x(second):.1f}" y="{TICK_Y}" text-anchor="middle" class="tick">{second} s</text>')
        second += 1 if t1 - t0 < 20 else 5
    segments: list[list[tuple[float, float]]] = [[]]
    for t, v in zip(times, values, strict=False):
        if v is None:
            segments.append([])
        else:
            segments[-1].append((x(float(t)), y(float(v))))
    parts += [_polyline(seg, "#1d2733") for seg in segments if seg]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (numbers and escaped labels only)


def trend_chart(trend: Trend) -> SafeString:
    """CPD left and right per visit and view (posterior solid, anterior dashed), low-confidence
    points hollow, the smallest detectable difference as a band around each side's first counted
    posterior value, and program start/change markers. Same-day visits sit side by side."""
    if not trend.points:
        return mark_safe('<p class="muted">No measured assessment yet.</p>')

    def day_x(point) -> float:
        return point.visit_date.toordinal() + 0.3 * point.day_slot

    dates = [p.visit_date for p in trend.points]
    day0, day1 = min(dates).toordinal(), max(dates).toordinal() + max(0.3 * p.day_slot for p in trend.points)
    if day1 - day0 < 1:
        day0, day1 = day0 - 7, day1 + 7
    x = _x_scale(day0 - 3, day1 + 3)
    series = {
        (view, side): [p for p in trend.series(view) if p.values[f"cpd_{side}_mean_deg"] is not None]
        for view in trend.views
        for side in ("left", "right")
    }
    # series keeps measured points only: no None among them.
    values = cast(list[float], [p.values[f"cpd_{side}_mean_deg"] for (_, side), pts in series.items() for p in pts])
    if not values:
        return mark_safe('<p class="muted">No measured assessment yet.</p>')
    lo = math.floor(min([*values, 0.0]) - trend.sdd_deg - 1)
    hi = math.ceil(max(values) + trend.sdd_deg + 1)
    y = _y_scale(lo, hi)
    summary = " ".join(
        f"CPD {side} ({view}): {pts[0].values[f'cpd_{side}_mean_deg']:.1f}° on {pts[0].visit_date:%d %b %Y}"
        + (
            f", {pts[-1].values[f'cpd_{side}_mean_deg']:.1f}° on {pts[-1].visit_date:%d %b %Y}."
            if len(pts) > 1
            else "."
        )
        for (view, side), pts in series.items()
        if pts
    )
    summary += (
        f" The band is ± {trend.sdd_deg}° around each side's first counted value; hollow points are low confidence"
        " and not counted; every value is in the table below."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="trend-title trend-desc" '
        'preserveAspectRatio="none">',
        '<title id="trend-title">Pelvic drop (CPD) at midstance per visit, left and right, per camera view</title>',
        f'<desc id="trend-desc">{escape(summary)}</desc>',
    ]
    main_view = trend.views[0]
    for side in ("left", "right"):
        counted = [p for p in series.get((main_view, side), []) if p.included]
        if not counted:
            continue
        base = cast(float, counted[0].values[f"cpd_{side}_mean_deg"])  # measured points only
        top, bottom = y(base + trend.sdd_deg), y(base - trend.sdd_deg)
        parts.append(
            f'<rect class="sdd-band sdd-{side}" x="{PAD_L}" y="{top:.1f}" width="{W - PAD_L - PAD_R}" '
            f'height="{bottom - top:.1f}" fill="{SIDE_COLOUR[side]}" fill-opacity="0.08"/>'
        )
    parts += _y_axis(lo, hi, y, step=_tick_step(hi - lo))
    parts += _axes("Visit date", "CPD (°)")
    for marker in trend.program_markers:
        day = marker["date"].toordinal()
        if not day0 - 3 <= day <= day1 + 3:
            continue
        xm = x(day)
        parts.append(
            f'<line class="program-marker" x1="{xm:.1f}" x2="{xm:.1f}" y1="{PAD_T}" y2="{H - PAD_B}" '
            f'stroke="#067647" stroke-dasharray="5 4"><title>{escape(marker["label"])} ({marker["date"]:%d %b %Y})</title></line>'
        )
    for (view, side), pts in series.items():
        colour = SIDE_COLOUR[side]
        key = f"cpd_{side}_mean_deg"
        # The line joins counted points only: a hollow point is shown, not trended.
        line = [(x(day_x(p)), y(p.values[key])) for p in pts if p.included]
        parts.append(_polyline(line, colour, dashed=view != "posterior"))
        for p in pts:
            fill = colour if p.included else "#ffffff"
            state = "counted" if p.included else "not-counted"
            # A self-check accepted into the trend is a square, and its title says so.
            source = ", self-check by the athlete" if p.self_check else ""
            where = f'x="{x(day_x(p)) - 4:.1f}" y="{y(p.values[key]) - 4:.1f}" width="8" height="8"'
            shape, at = (
                ("rect", where)
                if p.self_check
                else (
                    "circle",
                    f'cx="{x(day_x(p)):.1f}" cy="{y(p.values[key]):.1f}" r="4"',
                )
            )
            parts.append(
                f'<{shape} class="point point-{side} point-{view} point-{state}'
                f'{" point-self-check" if p.self_check else ""}" data-state="{p.status}" '
                f'{at} fill="{fill}" stroke="{colour}" '
                f'stroke-width="2"><title>{side} {p.values[key]:.1f}° on {p.visit_date:%d %b %Y} ({view}{source}, '
                f"{'counted' if p.included else 'low confidence, not counted'})</title></{shape}>"
            )
    labelled = sorted(set(dates))
    labelled = labelled[:: max(1, math.ceil(len(labelled) / 8))]
    for d in labelled:
        parts.append(
            f'<text x="{x(d.toordinal()):.1f}" y="{TICK_Y}" text-anchor="middle" class="tick">{d:%d %b %Y}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (numbers and escaped labels only)
