"""Synthetic treadmill runs with known truth: the gait maths is tested on them without video.

MEASUREMENT.md, "Ground truth for tests": a runner's 33 landmarks over time with known CPD per
side, cadence, step width, camera roll, pixel noise and dropped frames.

The figure is built in an "athlete frame" (pixels, ``lat`` positive towards the athlete's right,
y down), then mapped to the image for the view (posterior: athlete's right on the image right),
rolled about the image centre, and jittered. Sizes scale with the image height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .track import N_LANDMARKS, PoseTrack, Side, View
from .transforms import roll_track

DUTY = 0.62  # ground contact as a fraction of the step period (~0.22 s at 170 spm)
HIP_HALF_WIDTH = 95.0  # px at 1920 px image height: hip width ~ 190 px
HIP_TO_GROUND = 690.0
PELVIS_BOUNCE = 22.0  # vertical oscillation amplitude of the mid-hip, lowest at midstance
PELVIS_SWAY = 6.0  # lateral shift towards the stance foot
HEEL_SWING_HEIGHT = 300.0  # heel kick-up seen from behind
HEEL_LIFT = 45.0  # heel rise from late stance to toe-off
TOE_SWING_HEIGHT = 120.0
TOE_UP_AT_CONTACT = 25.0  # forefoot above the belt at heel strike, flat by 15% stance
TOE_OUT = 12.0
BELT_DRIFT = 15.0  # perspective: the foot moves with the belt towards/away from the camera
ANKLE_ABOVE_HEEL = 55.0


@dataclass(frozen=True)
class SyntheticStance:
    """One complete stance of the synthetic run (times in clip seconds)."""

    side: Side
    contact_time_s: float
    midstance_time_s: float
    toe_off_time_s: float
    contact_frame: int
    midstance_frame: int
    toe_off_frame: int


@dataclass(frozen=True)
class RunTruth:
    """What a correct analysis of the synthetic run must find.

    ``cpd_deg``: the athlete's CPD at midstance per side, against level ground.
    ``cpd_image_deg``: the same read against the image horizontal of the rolled camera
    (MEASUREMENT.md, "Per side and per clip": roll adds a to one side and subtracts it from the
    other); their mean equals ``mean_cpd_deg``.
    """

    cadence_spm: float
    cpd_deg: dict[Side, float]
    cpd_image_deg: dict[Side, float]
    mean_cpd_deg: float
    hip_adduction_peak_deg: dict[Side, float]  # mean over stances of the in-stance peak
    fppa_deg: dict[Side, float]
    step_width_ratio: float
    camera_roll_deg: float
    view: View
    stances: tuple[SyntheticStance, ...]

    def contact_frames(self, side: Side) -> list[int]:
        return [s.contact_frame for s in self.stances if s.side == side]

    def interior_stances(self, start_s: float, end_s: float) -> list[SyntheticStance]:
        """Stances lying wholly within [start_s, end_s]: clear of the clip's edges."""
        return [s for s in self.stances if s.contact_time_s >= start_s and s.toe_off_time_s <= end_s]


@dataclass(frozen=True)
class SyntheticRun:
    track: PoseTrack
    truth: RunTruth


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _foot_paths(
    t: np.ndarray,
    contacts: np.ndarray,
    lateral: np.ndarray,
    *,
    contact_s: float,
    swing_s: float,
    view: View,
    px: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Heel height-offset, toe offset and lateral position of one foot.

    Returns (heel_dy, toe_dy, lat, in_stance): vertical offsets from the heel's ground line in
    pixels (negative = up in the image). The heel strikes while still moving down fast and then
    stops, and the forefoot leaves the belt while starting to rise fast: the kinematic events
    MEASUREMENT.md "Gait events" detects.
    """
    drift = BELT_DRIFT * px * (1.0 if view == "posterior" else -1.0)
    # The forefoot is further from a posterior camera (higher in the image), nearer an anterior one.
    toe_ground = -12.0 * px if view == "posterior" else 12.0 * px
    k = np.searchsorted(contacts, t, side="right") - 1
    since = t - contacts[k]
    in_stance = since < contact_s
    tau = since / contact_s
    sigma = np.clip((since - contact_s) / swing_s, 0.0, 1.0)
    lift = HEEL_LIFT * px * _smoothstep((tau - 0.55) / 0.45) ** 2
    heel_stance = drift * tau - lift
    heel_swing = drift * (1.0 - sigma) - HEEL_LIFT * px * (1.0 - sigma) - HEEL_SWING_HEIGHT * px * np.sin(np.pi * sigma)
    toe_stance = toe_ground + drift * tau - TOE_UP_AT_CONTACT * px * (1.0 - _smoothstep(tau / 0.15))
    toe_swing = (
        toe_ground
        + drift * (1.0 - sigma)
        - TOE_UP_AT_CONTACT * px * sigma**2
        - TOE_SWING_HEIGHT * px * np.sin(np.pi * sigma)
    )
    lat_now = lateral[k]
    lat_next = lateral[np.minimum(k + 1, len(lateral) - 1)]
    lat = np.where(in_stance, lat_now, lat_now + (lat_next - lat_now) * _smoothstep(sigma))
    heel = np.where(in_stance, heel_stance, heel_swing)
    toe = np.where(in_stance, toe_stance, toe_swing)
    return heel, toe, lat, in_stance


def _knee(hip: np.ndarray, ankle: np.ndarray, fppa_deg: float, medial_lat: float) -> np.ndarray:
    """Knee placed so that 180 - angle(hip, knee, ankle) = ``fppa_deg``, towards the midline."""
    d = ankle - hip
    length = np.linalg.norm(d, axis=-1, keepdims=True)
    normal = np.stack([-d[..., 1], d[..., 0]], axis=-1) / length
    normal *= np.sign(normal[..., :1] * medial_lat)
    offset = 0.5 * length * np.tan(np.radians(fppa_deg) / 2.0)
    return 0.5 * (hip + ankle) + offset * normal


def _hip_adduction_deg(hip: np.ndarray, other_hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    medial = other_hip - hip
    medial /= np.linalg.norm(medial, axis=-1, keepdims=True)
    down = np.stack([-medial[..., 1], medial[..., 0]], axis=-1)
    down *= np.sign(down[..., 1:2])
    thigh = knee - hip
    return np.degrees(np.arctan2(np.sum(thigh * medial, -1), np.sum(thigh * down, -1)))


def generate_run(
    *,
    cadence_spm: float = 170.0,
    cpd_left_deg: float = 6.0,
    cpd_right_deg: float = 4.0,
    step_width_ratio: float = 0.1,
    camera_roll_deg: float = 0.0,
    noise_px: float = 1.0,
    drop_rate: float = 0.0,
    fps: float = 60.0,
    duration_s: float = 12.0,
    view: View = "posterior",
    width: int = 1080,
    height: int = 1920,
    seed: int = 0,
    fppa_left_deg: float = 8.0,
    fppa_right_deg: float = 5.0,
) -> SyntheticRun:
    """A treadmill run with known CPD, cadence, step width, roll, noise and dropped frames.

    CPD follows MEASUREMENT.md, "Metrics, per stance": positive = the swing-side hip lower. The
    pelvic obliquity is a stride-frequency sinusoid reaching +cpd_left at left midstance and
    -cpd_right at right midstance; the mid-hip is lowest at each midstance.
    """
    rng = np.random.default_rng(seed)
    px = height / 1920.0
    n = round(duration_s * fps)
    t = np.arange(n) / fps
    step_s = 60.0 / cadence_spm
    stride_s = 2.0 * step_s
    contact_s = DUTY * step_s
    swing_s = stride_s - contact_s

    # Contacts start a stride before the clip so every sample has a previous contact.
    first = rng.uniform(-stride_s, 0.0)
    n_strides = int(np.ceil(duration_s / stride_s)) + 3
    strides = stride_s * np.arange(-1, n_strides)
    contacts: dict[Side, np.ndarray] = {"left": first + strides, "right": first + step_s + strides}
    mid_left0 = first + contact_s / 2.0
    stride_phase = 2.0 * np.pi * (t - mid_left0) / stride_s

    # Pelvis (athlete frame): obliquity r > 0 means the athlete's right hip is lower.
    mean_tilt = (cpd_left_deg - cpd_right_deg) / 2.0
    swing_tilt = (cpd_left_deg + cpd_right_deg) / 2.0
    r = np.radians(mean_tilt + swing_tilt * np.cos(stride_phase))
    pelvis_lat = -PELVIS_SWAY * px * np.cos(stride_phase)
    ground_y = 0.915 * height
    mid_y = ground_y - HIP_TO_GROUND * px + PELVIS_BOUNCE * px * np.cos(2.0 * np.pi * (t - mid_left0) / step_s)
    hw = HIP_HALF_WIDTH * px
    mid = np.stack([pelvis_lat, mid_y], axis=-1)
    across = np.stack([np.cos(r), np.sin(r)], axis=-1) * hw
    hips: dict[Side, np.ndarray] = {"left": mid - across, "right": mid + across}

    lat_sign: dict[Side, float] = {"left": -1.0, "right": 1.0}
    fppa: dict[Side, float] = {"left": fppa_left_deg, "right": fppa_right_deg}
    world = np.full((n, N_LANDMARKS, 2), np.nan)
    adduction_peak: dict[Side, float] = {}
    for side in ("left", "right"):
        c = contacts[side]
        r_c = np.radians(mean_tilt + swing_tilt * np.cos(2.0 * np.pi * (c - mid_left0) / stride_s))
        pl_c = -PELVIS_SWAY * px * np.cos(2.0 * np.pi * (c - mid_left0) / stride_s)
        # Step width at initial contact, as MEASUREMENT.md defines it: heel to pelvis midline,
        # over the (horizontal) hip width, negative across the midline.
        foot_lat = pl_c + lat_sign[side] * step_width_ratio * 2.0 * hw * np.cos(r_c)
        heel_dy, toe_dy, lat, _ = _foot_paths(t, c, foot_lat, contact_s=contact_s, swing_s=swing_s, view=view, px=px)
        heel = np.stack([lat, ground_y + heel_dy], axis=-1)
        ankle = heel + np.array([0.0, -ANKLE_ABOVE_HEEL * px])
        toe = np.stack([lat + lat_sign[side] * TOE_OUT * px, ground_y + toe_dy], axis=-1)
        knee = _knee(hips[side], ankle, fppa[side], -lat_sign[side])
        base = 0 if side == "left" else 1
        world[:, 23 + base] = hips[side]
        world[:, 25 + base] = knee
        world[:, 27 + base] = ankle
        world[:, 29 + base] = heel
        world[:, 31 + base] = toe
        other: Side = "right" if side == "left" else "left"
        add = _hip_adduction_deg(hips[side], hips[other], knee)
        peaks = [add[(t >= ci) & (t <= ci + contact_s)].max() for ci in c if t[0] <= ci <= t[-1] - contact_s]
        adduction_peak[side] = float(np.mean(peaks))

    _upper_body(world, mid, r, stride_phase, px)

    # Camera: view mapping, pixel noise, dropped frames, then roll about the image centre
    # (isotropic noise is the same before or after the rotation).
    mirror = 1.0 if view == "posterior" else -1.0
    landmarks = np.empty((n, N_LANDMARKS, 3))
    landmarks[..., 0] = width / 2.0 + mirror * world[..., 0]
    landmarks[..., 1] = world[..., 1]
    if noise_px > 0:
        landmarks[..., :2] += rng.normal(0.0, noise_px, (n, N_LANDMARKS, 2))
    landmarks[..., 2] = np.clip(rng.normal(0.95, 0.02, (n, N_LANDMARKS)), 0.0, 1.0)
    landmarks[_dropped_frames(n, drop_rate, fps, rng)] = np.nan
    track = PoseTrack(
        landmarks=landmarks,
        frame_index=np.arange(n),
        time_s=t,
        fps=float(fps),
        width=width,
        height=height,
        view=view,
    )
    if camera_roll_deg:
        track = roll_track(track, camera_roll_deg)
    stances = _complete_stances(contacts, contact_s, t, fps)
    # In a posterior view the athlete's left hip is the image-left one, so a roll of a adds a to
    # the left CPD; in an anterior view the athlete's left is on the image right (sign flips).
    shift = camera_roll_deg * mirror
    truth = RunTruth(
        cadence_spm=float(cadence_spm),
        cpd_deg={"left": cpd_left_deg, "right": cpd_right_deg},
        cpd_image_deg={"left": cpd_left_deg + shift, "right": cpd_right_deg - shift},
        mean_cpd_deg=(cpd_left_deg + cpd_right_deg) / 2.0,
        hip_adduction_peak_deg=adduction_peak,
        fppa_deg=fppa,
        step_width_ratio=step_width_ratio,
        camera_roll_deg=camera_roll_deg,
        view=view,
        stances=stances,
    )
    return SyntheticRun(track=track, truth=truth)


def _complete_stances(
    contacts: dict[Side, np.ndarray], contact_s: float, t: np.ndarray, fps: float
) -> tuple[SyntheticStance, ...]:
    out = []
    for side, times in contacts.items():
        for c in times:
            off = c + contact_s
            if c >= t[0] and off <= t[-1]:
                mid = c + contact_s / 2.0
                out.append(
                    SyntheticStance(
                        side=side,
                        contact_time_s=float(c),
                        midstance_time_s=float(mid),
                        toe_off_time_s=float(off),
                        contact_frame=round(c * fps),
                        midstance_frame=round(mid * fps),
                        toe_off_frame=round(off * fps),
                    )
                )
    return tuple(sorted(out, key=lambda s: s.contact_time_s))


def _dropped_frames(n: int, drop_rate: float, fps: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of undetected frames: half in runs of up to ~60 ms, half single frames.

    Runs never touch each other, so every gap stays short enough to be bridged (a longer gap
    is a different test: nothing may be measured inside it).
    """
    dropped = np.zeros(n, dtype=bool)
    target = round(drop_rate * n)
    longest = max(2, round(0.06 * fps))
    for want_run in (True, False):
        goal = target // 2 if want_run else target
        for _ in range(100 * n):
            if dropped.sum() >= goal:
                break
            length = int(rng.integers(2, longest + 1)) if want_run else 1
            start = int(rng.integers(1, n - length - 1))
            if not dropped[start - 1 : start + length + 1].any():
                dropped[start : start + length] = True
    return dropped


def _upper_body(world: np.ndarray, mid: np.ndarray, r: np.ndarray, stride_phase: np.ndarray, px: float) -> None:
    """Torso, head and arms (not measured, but present as in a MediaPipe track)."""
    shoulder_mid = mid + np.array([0.0, -430.0 * px])
    counter = -0.3 * r  # the shoulders tilt a little against the pelvis
    across = np.stack([np.cos(counter), np.sin(counter)], axis=-1) * 150.0 * px
    shoulders = {"left": shoulder_mid - across, "right": shoulder_mid + across}
    nose = shoulder_mid + np.array([0.0, -180.0 * px])
    world[:, 0] = nose
    for i, (dx, dy) in zip(
        range(1, 11),
        [(-12, -15), (-20, -15), (-28, -15), (12, -15), (20, -15), (28, -15), (-45, -5), (45, -5), (-10, 20), (10, 20)],
        strict=True,
    ):
        world[:, i] = nose + np.array([dx, dy]) * px
    for side, sign, base in (("left", -1.0, 0), ("right", 1.0, 1)):
        swing = np.sin(stride_phase) * (1.0 if side == "left" else -1.0)
        world[:, 11 + base] = shoulders[side]
        elbow = shoulders[side] + np.stack(
            [np.full_like(swing, sign * 25.0 * px), 230.0 * px + 20.0 * px * swing], axis=-1
        )
        wrist = elbow + np.stack([np.full_like(swing, -sign * 60.0 * px), -40.0 * px + 50.0 * px * swing], axis=-1)
        world[:, 13 + base] = elbow
        world[:, 15 + base] = wrist
        for j, (dx, dy) in enumerate([(-5, 20), (5, 22), (8, 10)]):
            world[:, 17 + 2 * j + base] = wrist + np.array([sign * dx, dy]) * px
