"""How far to trust the engine against a reference (a clinician's reads or a motion-capture lab).

Bland-Altman bias and 95% limits of agreement (Bland & Altman 1986), ICC(2,1): two-way random,
absolute agreement, single measure (Shrout & Fleiss 1979; Koo & Li 2016), and the smallest
detectable difference the ICC implies: SDD = 1.96 * sqrt(2) * SEM, SEM = SD * sqrt(1 - ICC)
(Weir 2005), the same construction as the 2.8 deg of Dingenen 2018 (quality.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """Engine against reference over ``n`` paired values (degrees)."""

    n: int
    bias_deg: float  # mean of engine - reference
    sd_diff_deg: float
    loa_low_deg: float
    loa_high_deg: float
    icc_2_1: float | None = None
    sdd_deg: float | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "n": self.n,
            "bias_deg": round(self.bias_deg, 3),
            "sd_diff_deg": round(self.sd_diff_deg, 3),
            "loa_low_deg": round(self.loa_low_deg, 3),
            "loa_high_deg": round(self.loa_high_deg, 3),
            "icc_2_1": None if self.icc_2_1 is None else round(self.icc_2_1, 3),
            "sdd_deg": None if self.sdd_deg is None else round(self.sdd_deg, 3),
        }


def bland_altman(engine: np.ndarray, reference: np.ndarray) -> tuple[float, float, float, float]:
    """Bias, SD of the differences and the 95% limits of agreement (bias +/- 1.96 SD)."""
    diff = np.asarray(engine, dtype=float) - np.asarray(reference, dtype=float)
    bias = float(diff.mean())
    sd = float(diff.std(ddof=1)) if len(diff) > 1 else math.nan
    return bias, sd, bias - 1.96 * sd, bias + 1.96 * sd


def icc_2_1(ratings: np.ndarray) -> float:
    """ICC(2,1) of an (n subjects x k raters) table: two-way random effects, absolute agreement.

    ICC = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n), Shrout & Fleiss 1979 case 2.
    """
    x = np.asarray(ratings, dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        raise ValueError("ICC needs at least two subjects and two raters")
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_error = float(((x - grand) ** 2).sum()) - ss_rows - ss_cols
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    return (ms_rows - ms_error) / denominator if denominator > 0 else math.nan


def sdd_from_icc(values: np.ndarray, icc: float) -> float:
    """Smallest detectable difference (95%) implied by an ICC on these values (Weir 2005)."""
    sd = float(np.asarray(values, dtype=float).std(ddof=1))
    sem = sd * math.sqrt(max(0.0, 1.0 - icc))
    return 1.96 * math.sqrt(2.0) * sem


def agreement(engine: np.ndarray, reference: np.ndarray) -> Agreement:
    """All of the above for paired engine and reference values."""
    engine = np.asarray(engine, dtype=float)
    reference = np.asarray(reference, dtype=float)
    keep = np.isfinite(engine) & np.isfinite(reference)
    engine, reference = engine[keep], reference[keep]
    if len(engine) < 2:
        raise ValueError("at least two paired values are needed")
    bias, sd, low, high = bland_altman(engine, reference)
    icc = icc_2_1(np.column_stack([engine, reference]))
    sdd = sdd_from_icc(np.concatenate([engine, reference]), icc) if math.isfinite(icc) else None
    return Agreement(
        n=len(engine),
        bias_deg=bias,
        sd_diff_deg=sd,
        loa_low_deg=low,
        loa_high_deg=high,
        icc_2_1=icc if math.isfinite(icc) else None,
        sdd_deg=sdd,
    )


def manual_cpd_deg(*, stance_xy: tuple[float, float], swing_xy: tuple[float, float]) -> float:
    """CPD read from two hip points placed by hand (image pixels, y down), as MEASUREMENT.md
    defines it: ``degrees(atan2(y_swing - y_stance, |x_swing - x_stance|))``, positive = swing hip lower."""
    return math.degrees(math.atan2(swing_xy[1] - stance_xy[1], abs(swing_xy[0] - stance_xy[0])))
