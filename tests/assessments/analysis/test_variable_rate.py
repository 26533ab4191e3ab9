"""Variable frame rate (phones drop frames in low light): the gait maths works from each sample's
own time (filtering.py, events.py), so a run with frames dropped irregularly keeps its contacts,
cadence and CPD (MEASUREMENT.md, "Input": time from each frame's presentation timestamp)."""

from __future__ import annotations

import numpy as np
import pytest

from assessments.analysis.events import detect_stances
from assessments.analysis.metrics import measure_stances
from assessments.analysis.summary import summarize
from assessments.analysis.synthetic import generate_run
from assessments.analysis.track import PoseTrack


def dropped_irregularly(track: PoseTrack) -> PoseTrack:
    """Keep the samples a phone would: 1 in 7 and 1 in 11 frames dropped, the rest at their own
    times, numbered as the frames of the file written (0, 1, 2, ...); fps is the file's average."""
    n = track.n_frames
    keep = np.array([(i % 7 != 3) and (i % 11 != 5) for i in range(n)])
    times = track.time_s[keep]
    return PoseTrack(
        landmarks=track.landmarks[keep],
        frame_index=np.arange(keep.sum()),
        time_s=times,
        fps=float((keep.sum() - 1) / (times[-1] - times[0])),
        width=track.width,
        height=track.height,
        view=track.view,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_run_with_dropped_frames_keeps_its_contacts_cadence_and_cpd(seed: int) -> None:
    run = generate_run(fps=60.0, noise_px=0.5, seed=seed, cadence_spm=172.0, cpd_left_deg=7.0, cpd_right_deg=3.0)
    track = dropped_irregularly(run.track)
    assert not track.regular and track.sample_fps == pytest.approx(60.0)
    stances = detect_stances(track)
    assert len(stances) >= 0.9 * len(run.truth.stances) - 2
    for s in stances:
        truth = min(
            (t for t in run.truth.stances if t.side == s.side), key=lambda t: abs(t.contact_time_s - s.contact_time_s)
        )
        # Within 10 ms (the even-sample maths on these times: up to 33 ms off).
        assert abs(truth.contact_time_s - s.contact_time_s) <= 0.010
        # Frame numbers are the file's own: the frame shown at (about) the contact time.
        assert abs(track.time_s[s.contact_frame] - s.contact_time_s) <= 1.5 / 60 * 2
    summary = summarize(track, measure_stances(track, stances))
    assert summary.cadence_spm == pytest.approx(172.0, abs=1.0)
    assert summary.per_side["left"]["cpd_midstance_deg"].mean == pytest.approx(7.0, abs=0.5)
    assert summary.per_side["right"]["cpd_midstance_deg"].mean == pytest.approx(3.0, abs=0.5)


def test_even_samples_take_the_even_path() -> None:
    run = generate_run(fps=60.0, seed=4, duration_s=3.0)
    assert run.track.regular and run.track.sample_fps == 60.0
