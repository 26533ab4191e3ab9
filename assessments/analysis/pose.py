"""MediaPipe Pose adapter: frames in, a left/right-consistent ``PoseTrack`` in pixels out.

MEASUREMENT.md, "Pose": ``solutions.pose.Pose`` (model_complexity=1, video mode, smoothing),
landmarks in pixels, NaN rows where nobody is found, MediaPipe's left/right labels checked
against the declared view frame by frame before anything else, frames above 60 fps decimated.

MediaPipe is not mirror-consistent: on a back view it gives a different hip line for a frame
and for its mirror image (90th-percentile obliquity error ~7.7 deg on the Pose2Sim clip), so a
clip filmed with the phone's selfie mirror on or off would read differently. We therefore run a
second tracker on the mirrored frames and average the two poses (the mirrored one flipped back
and relabelled), which makes the estimate symmetric by construction: the mirrored clip yields
exactly the mirrored pose, up to re-encoding noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from .track import LEFT_RIGHT_PAIRS, N_LANDMARKS, Landmark, PoseTrack, View
from .video import VideoInfo

MODEL_COMPLEXITY = 1  # the only model shipped in the wheel; 0 and 2 download at run time
MAX_POSE_FPS = 60.0
# Direct and mirror trackers farther apart than this many torso lengths follow different people.
COMPETING_DISTANCE = 0.5

_SWAP = np.arange(N_LANDMARKS)
for _a, _b in LEFT_RIGHT_PAIRS:
    _SWAP[_a], _SWAP[_b] = _b, _a


def pose_stride(fps: float, max_fps: float = MAX_POSE_FPS) -> int:
    """Keep every n-th frame so the pose rate stays at or just below ~``max_fps``."""
    return max(1, round(fps / max_fps))


def import_mediapipe():
    """Import MediaPipe without the matplotlib it drags in for a plotting helper we never call.

    ``mediapipe.solutions.drawing_utils`` imports ``matplotlib.pyplot`` at import time only for
    ``plot_landmarks``; that costs ~2 CPU-seconds, paid again by every pose worker process
    (a fifth of the fast path's whole budget on a 10 s clip). While MediaPipe loads, and only
    if matplotlib is not loaded already, a placeholder stands in and is removed afterwards, so a
    later real ``import matplotlib`` is unaffected.
    """
    import sys

    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    import types

    stubs = {}
    if "matplotlib" not in sys.modules:
        mpl = types.ModuleType("matplotlib")
        mpl.__path__ = []  # a package, so "matplotlib.pyplot" can be found below it
        stubs = {"matplotlib": mpl, "matplotlib.pyplot": types.ModuleType("matplotlib.pyplot")}
        mpl.pyplot = stubs["matplotlib.pyplot"]
        sys.modules.update(stubs)
    try:
        import mediapipe
    finally:
        for name, stub in stubs.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]
    return mediapipe


def new_estimator():  # -> mediapipe Pose; typed loosely so importing this module stays cheap
    mp = import_mediapipe()

    return mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=MODEL_COMPLEXITY,
        smooth_landmarks=True,
        enable_segmentation=False,
    )


_WARM: list = []  # estimators kept by a long-running process (a Celery worker), see ``warm_estimators``


def warm_estimators(n: int) -> list:
    """``n`` estimators ready for a new run: made once per process, reset between runs.

    Making one costs a model and graph load (~0.1-0.3 s); a worker posing many chunks keeps them.
    ``reset`` restarts the graph, so no tracking state carries over: a reset estimator gives the
    same landmarks as a new one (tests/assessments/analysis/test_chunks.py). Not for threads.
    """
    while len(_WARM) < n:
        _WARM.append(new_estimator())
    for estimator in _WARM[:n]:
        estimator.reset()
        estimator._simulated_timestamp = 0  # as a new one: the first frame's time stamps it
    return _WARM[:n]


def process_at(estimator, rgb: np.ndarray, time_s: float):
    """Run MediaPipe on one frame stamped with its real time in the clip.

    ``solutions`` stamps every call 33.3 ms after the previous one (a fixed 30 fps), so its
    landmark smoothing and tracking would treat a 60 fps clip, or a decimated one, as 30 fps.
    Stamping the frame's own time keeps the filter's behaviour tied to real motion; measured on
    the Pose2Sim clip, it halves the per-frame difference between posing every frame and every
    second frame (p90 4.5 -> 2.6 deg).
    """
    if hasattr(estimator, "_simulated_timestamp"):
        # process() adds 33333 us before stamping; timestamps must stay strictly increasing.
        target = round(time_s * 1e6)
        estimator._simulated_timestamp = max(target, estimator._simulated_timestamp + 1) - 33333
    return estimator.process(rgb)


def landmarks_px(result, width: int, height: int) -> np.ndarray:
    """(33, 3) x_px, y_px, visibility from one MediaPipe result; NaN when no person."""
    out = np.full((N_LANDMARKS, 3), np.nan)
    if result.pose_landmarks is None:
        return out
    for i, lm in enumerate(result.pose_landmarks.landmark):
        out[i] = (lm.x * width, lm.y * height, lm.visibility)
    return out


def swap_sides(lm: np.ndarray) -> np.ndarray:
    """Exchange every left/right landmark pair (works on (33, 3) or (n, 33, 3))."""
    return lm[..., _SWAP, :]


def fix_left_right(lm: np.ndarray, view: View) -> np.ndarray:
    """Relabel frames whose left/right contradict the declared view (all 33 pairs at once).

    Posterior view: the athlete's left hip is the one further left in the image; anterior: the
    one further right. Shoulders break a tie when the hips overlap. ``lm`` is (n, 33, 3).
    """
    x = lm[..., 0]
    score = (x[:, Landmark.RIGHT_HIP] - x[:, Landmark.LEFT_HIP]) + 0.5 * (
        x[:, Landmark.RIGHT_SHOULDER] - x[:, Landmark.LEFT_SHOULDER]
    )
    wrong = score < 0 if view == "posterior" else score > 0
    out = lm.copy()
    out[wrong] = swap_sides(lm[wrong])
    return out


def unmirror(lm: np.ndarray, width: int) -> np.ndarray:
    """Map landmarks found on a horizontally flipped frame back to the original frame."""
    out = swap_sides(lm).copy()
    out[..., 0] = width - out[..., 0]
    return out


def combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Average two pose estimates; where only one found the person, keep that one."""
    a_ok = ~np.isnan(a[..., 0, 0])
    b_ok = ~np.isnan(b[..., 0, 0])
    out = np.where(a_ok[..., None, None], a, b)
    both = a_ok & b_ok
    out[both] = 0.5 * (a[both] + b[both])
    return out


def _hip_mid(lm: np.ndarray) -> np.ndarray:
    return 0.5 * (lm[..., Landmark.LEFT_HIP, :2] + lm[..., Landmark.RIGHT_HIP, :2])


def _torso_len(lm: np.ndarray) -> np.ndarray:
    sh = 0.5 * (lm[..., Landmark.LEFT_SHOULDER, :2] + lm[..., Landmark.RIGHT_SHOULDER, :2])
    return np.linalg.norm(sh - _hip_mid(lm), axis=-1)


def disagreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance between the two trackers' mid-hips, in torso lengths (NaN if either is missing).

    Two trackers that lock onto different people disagree by about a body width or more; this
    is how "more than one person competing for the track" shows up (quality.py).
    """
    d = np.linalg.norm(_hip_mid(a) - _hip_mid(b), axis=-1)
    t = np.fmax(_torso_len(a), _torso_len(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        return d / t


@dataclass
class PoseRun:
    """A pose track plus what the quality gate and the timing report need."""

    track: PoseTrack
    disagreement: np.ndarray  # per pose sample, see ``disagreement``
    decode_s: float = 0.0
    pose_s: float = 0.0
    cpu_s: float = 0.0


@dataclass
class RawStreams:
    """Per posed frame: the direct tracker's and the mirror tracker's landmarks (NaN if not run)."""

    frame_index: np.ndarray
    direct: np.ndarray
    mirrored: np.ndarray  # already flipped back to the original frame and relabelled
    decode_s: float
    pose_s: float
    cpu_s: float = 0.0  # CPU time of the process(es) that posed, all threads
    time_s: np.ndarray | None = None  # presentation times (real s); None: frame / fps


def run_streams(
    frames: Iterable[tuple[int, np.ndarray] | tuple[int, float, np.ndarray]],
    *,
    width: int,
    height: int,
    mirror: str = "both",
    stride: int = 1,
    fps: float = 30.0,
    progress: Callable[[int], None] | None = None,
) -> RawStreams:
    """Run the direct and mirror trackers over ``frames`` (BGR).

    ``mirror="both"`` (used by both paths) runs both trackers on every frame; ``"alternate"``
    runs the direct tracker on even pose samples (frame // stride) and the mirror tracker on odd
    ones, half the cost, but measured further from the plain path than "both" at a lower rate
    (Pose2Sim cam03: p90 5.3 vs 4.0 deg), so not used; ``"none"`` is raw MediaPipe, for
    comparison. ``width``/``height`` are the clip's; each frame's own size is what counts.
    ``frames`` yields ``(frame_number, bgr)`` or, from ``video.iter_timed_frames``,
    ``(frame_number, time_s, bgr)``: the frame's own timestamp then stamps it (variable frame rate).
    """
    direct_est = new_estimator()
    mirror_est = new_estimator() if mirror != "none" else None
    idx: list[int] = []
    times: list[float] = []
    direct: list[np.ndarray] = []
    mirrored: list[np.ndarray] = []
    nan = np.full((N_LANDMARKS, 3), np.nan)
    decode_s = pose_s = 0.0
    it = iter(frames)
    try:
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                break
            t1 = time.perf_counter()
            decode_s += t1 - t0
            i, t, bgr = item if len(item) == 3 else (item[0], item[0] / fps, item[1])
            # Pixels are not resized before MediaPipe: it crops and resizes to 256 px itself, and
            # a half-size input saved no measurable CPU on the bench clip while moving the
            # per-frame obliquity (p90 2.7 -> 3.0 deg from the plain path).
            height, width = bgr.shape[:2]
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            sample = i // stride
            run_direct = mirror != "alternate" or sample % 2 == 0
            run_mirror = mirror == "both" or (mirror == "alternate" and sample % 2 == 1)
            d = landmarks_px(process_at(direct_est, rgb, t), width, height) if run_direct else nan
            if run_mirror:
                assert mirror_est is not None
                flipped = cv2.flip(rgb, 1)  # 30x faster than a numpy reversed copy at 1080p
                m = unmirror(landmarks_px(process_at(mirror_est, flipped, t), width, height), width)
            else:
                m = nan
            pose_s += time.perf_counter() - t1
            idx.append(i)
            times.append(t)
            direct.append(d)
            mirrored.append(m)
            if progress is not None:
                progress(len(idx))
    finally:
        direct_est.close()
        if mirror_est is not None:
            mirror_est.close()
    shape = (len(idx), N_LANDMARKS, 3)
    return RawStreams(
        frame_index=np.asarray(idx, dtype=int),
        direct=np.asarray(direct).reshape(shape),
        mirrored=np.asarray(mirrored).reshape(shape),
        decode_s=decode_s,
        pose_s=pose_s,
        time_s=np.asarray(times, dtype=float),
    )


def _fill_alternate(a: np.ndarray) -> np.ndarray:
    """Fill the NaN samples of one alternating stream with the mean of its neighbours."""
    out = a.copy()
    missing = np.isnan(a[:, 0, 0])
    n = len(a)
    for k in np.flatnonzero(missing):
        nb = [a[j] for j in (k - 1, k + 1) if 0 <= j < n and not missing[j]]
        if nb:
            out[k] = np.mean(nb, axis=0)
    return out


def _keep_one_person(fused: np.ndarray, a: np.ndarray, b: np.ndarray, dis: np.ndarray) -> np.ndarray:
    """Where the two trackers follow different people, keep the one that continues the track.

    Averaging two people would put a phantom pelvis between them; the quality gate flags these
    clips ("multiple_people"), and the numbers stay those of the person followed so far.
    """
    out = fused.copy()
    split = np.flatnonzero(np.nan_to_num(dis, nan=0.0) > COMPETING_DISTANCE)
    for k in split:
        prev = next((out[j] for j in range(k - 1, -1, -1) if not np.isnan(out[j, 0, 0])), None)
        if prev is None:
            out[k] = a[k]
            continue
        da = np.linalg.norm(_hip_mid(a[k]) - _hip_mid(prev))
        db = np.linalg.norm(_hip_mid(b[k]) - _hip_mid(prev))
        out[k] = a[k] if da <= db else b[k]
    return out


def fuse(raw: RawStreams, *, info: VideoInfo, view: View, mirror: str = "both") -> PoseRun:
    """Left/right-fix each tracker against the view, then average them into one PoseTrack."""
    direct = fix_left_right(raw.direct, view)
    mirrored = fix_left_right(raw.mirrored, view)
    if mirror == "alternate":
        direct, mirrored = _fill_alternate(direct), _fill_alternate(mirrored)
    if mirror == "none":
        landmarks, dis = direct, np.zeros(len(direct))
    else:
        dis = disagreement(direct, mirrored)
        landmarks = _keep_one_person(combine(direct, mirrored), direct, mirrored, dis)
    track = PoseTrack(
        landmarks=landmarks,
        frame_index=raw.frame_index,
        time_s=raw.time_s
        if raw.time_s is not None and len(raw.time_s) == len(raw.frame_index)
        else raw.frame_index / info.fps,
        fps=info.fps,
        width=info.width,
        height=info.height,
        view=view,
    )
    return PoseRun(track=track, disagreement=dis, decode_s=raw.decode_s, pose_s=raw.pose_s, cpu_s=raw.cpu_s)
