"""Per-side and per-clip summary of the stance metrics, and cadence.

Implements MEASUREMENT.md, "Per side and per clip" and the cadence of "Metrics, per stance".
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .track import SIDES, PoseTrack, Side

if TYPE_CHECKING:
    from .metrics import StanceMetrics

SUMMARY_METRICS: tuple[str, ...] = (
    "cpd_midstance_deg",
    "cpd_peak_deg",
    "hip_adduction_peak_deg",
    "fppa_midstance_deg",
    "step_width_ratio",
)


# How each summary metric is named for people, and its unit: the one home of these labels.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "cpd_midstance_deg": ("CPD at midstance", "deg"),
    "cpd_peak_deg": ("CPD peak in stance", "deg"),
    "hip_adduction_peak_deg": ("Hip adduction peak", "deg"),
    "fppa_midstance_deg": ("Knee FPPA at midstance", "deg"),
    "step_width_ratio": ("Step width / hip width", ""),
}


def _json_float(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def ci95_half_width(sd: float | None, n: int | None) -> float | None:
    """Half-width of the 95% confidence interval of a mean of ``n`` stances with spread ``sd``.

    t-distribution with n - 1 degrees of freedom: the stance-to-stance spread says how well this
    clip pins down the athlete's mean (issue 13, "How sure is each number"); it says nothing of
    the visit-to-visit noise, which the smallest detectable difference covers.
    """
    if sd is None or n is None or n < 2 or not math.isfinite(sd):
        return None
    # Imported here: the web pages use this module's labels and need not load scipy.stats.
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))


@dataclass(frozen=True)
class MetricSummary:
    """Mean, SD (n - 1), median, count and 95% CI of the mean of one metric over the accepted
    stances of one side."""

    mean: float | None
    sd: float | None
    median: float | None
    n: int

    @property
    def ci95(self) -> tuple[float, float] | None:
        half = ci95_half_width(self.sd, self.n)
        if half is None or self.mean is None:
            return None
        return (self.mean - half, self.mean + half)

    @classmethod
    def of(cls, values: list[float]) -> MetricSummary:
        arr = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
        if len(arr) == 0:
            return cls(mean=None, sd=None, median=None, n=0)
        return cls(
            mean=float(arr.mean()),
            sd=float(arr.std(ddof=1)) if len(arr) > 1 else None,
            median=float(np.median(arr)),
            n=len(arr),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": _json_float(self.mean),
            "sd": _json_float(self.sd),
            "median": _json_float(self.median),
            "n": self.n,
            "ci95_low": _json_float(self.ci95[0]) if self.ci95 else None,
            "ci95_high": _json_float(self.ci95[1]) if self.ci95 else None,
        }


@dataclass(frozen=True)
class GaitSummary:
    """The clip's numbers: per-side metric summaries, mean CPD, asymmetry and cadence.

    ``level_reference`` says what CPD is measured against: ``"image_horizontal"`` or
    ``"standing_segment"`` (MEASUREMENT.md, "Per side and per clip").
    """

    per_side: dict[Side, dict[str, MetricSummary]]
    mean_cpd_deg: float | None
    asymmetry_deg: float | None
    cadence_spm: float | None
    level_reference: str = "image_horizontal"
    level_reference_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {side: {name: s.to_dict() for name, s in self.per_side[side].items()} for side in SIDES}
        out["mean_cpd_deg"] = _json_float(self.mean_cpd_deg)
        out["asymmetry_deg"] = _json_float(self.asymmetry_deg)
        out["cadence_spm"] = _json_float(self.cadence_spm, 1)
        out["level_reference"] = self.level_reference
        out["level_reference_deg"] = _json_float(self.level_reference_deg)
        return out


def cadence_spm(contact_times_s: list[tuple[Side, float]]) -> float | None:
    """Steps per minute from successive initial contacts of alternating feet.

    The step period is first the median interval between consecutive contacts of alternating
    feet (a missed stance leaves a same-foot pair, which is skipped, or a double interval,
    which the median ignores); each contact is then numbered by its step count from the first
    (from the successive gaps in periods), and the period refined as the least-squares slope of time against step number, which uses
    the whole clip instead of single intervals (sub-frame precision at 30 fps).
    """
    events = sorted(contact_times_s, key=lambda e: e[1])
    intervals = [b[1] - a[1] for a, b in itertools.pairwise(events) if a[0] != b[0]]
    if len(intervals) < 2:
        return None
    period = float(np.median(intervals))
    if period <= 0:
        return None
    times = np.array([e[1] for e in events])
    # Step numbers from successive gaps (1 step, or 2 across a rejected stance), so a slightly
    # off median period never miscounts steps late in the clip.
    steps = np.concatenate([[0.0], np.cumsum(np.maximum(1.0, np.round(np.diff(times) / period)))])
    if len(np.unique(steps)) < 3:
        return 60.0 / period
    slope = float(np.polyfit(steps, times, 1)[0])
    return 60.0 / slope if slope > 0 else None


def summarize(
    track: PoseTrack,
    stance_metrics: list[StanceMetrics],
) -> GaitSummary:
    """Per side: mean/SD/median/n of each metric; mean CPD = (left + right) / 2 of the
    midstance CPD (roll-invariant); asymmetry = left - right; cadence from the contacts.

    MEASUREMENT.md, "Per side and per clip". Cadence uses the stances' sub-frame contact
    times (falling back to contact frames / ``track.fps``). A standing-segment reference is
    reported if the metrics were measured against one (``measure_stances``).
    """
    per_side: dict[Side, dict[str, MetricSummary]] = {
        side: {
            name: MetricSummary.of([getattr(m, name) for m in stance_metrics if m.side == side])
            for name in SUMMARY_METRICS
        }
        for side in SIDES
    }
    left = per_side["left"]["cpd_midstance_deg"].mean
    right = per_side["right"]["cpd_midstance_deg"].mean
    contacts = [
        (m.side, m.contact_time_s if math.isfinite(m.contact_time_s) else m.contact_frame / track.fps)
        for m in stance_metrics
    ]
    references = {m.level_reference_deg for m in stance_metrics} - {None}
    reference = references.pop() if len(references) == 1 else None
    return GaitSummary(
        per_side=per_side,
        mean_cpd_deg=(left + right) / 2.0 if left is not None and right is not None else None,
        asymmetry_deg=left - right if left is not None and right is not None else None,
        cadence_spm=cadence_spm(contacts),
        level_reference="standing_segment" if reference is not None else "image_horizontal",
        level_reference_deg=reference,
    )


def nulled(summary: Any) -> Any:
    """The summary's shape with every value null: what a not-measurable result reports
    (MEASUREMENT.md, "Quality gate": no metric is shown, the per-frame data stays)."""
    if isinstance(summary, dict):
        return {key: nulled(value) for key, value in summary.items()}
    return None
