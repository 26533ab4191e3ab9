"""The pose plan's chunks: boundaries, warm-ups, seeking, the merge, and numbers identical to one process."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assessments.analysis import pose as pose_mod
from assessments.analysis.chunks import ChunkResult, IncompleteChunksError, merge_chunks, pose_chunk
from assessments.analysis.pipeline import analyse, measure
from assessments.analysis.plan import MIN_WARMUP_S, TRACKERS, plan_pose
from assessments.analysis.synthetic import generate_run
from assessments.analysis.track import PoseTrack
from assessments.analysis.video import VideoInfo, iter_timed_frames, probe

from .conftest import CAM03


def info_of(frames: int, fps: float = 60.0) -> VideoInfo:
    return VideoInfo(path="clip.mp4", container="mp4", fps=fps, frames=frames, width=1080, height=1920)


def kept_frames(plan) -> list[int]:
    return [i for c in plan.chunks for i in range(c.start, c.stop, plan.stride)]


def test_a_clip_shorter_than_one_chunk_is_one_chunk_without_warm_up():
    plan = plan_pose(info_of(100), chunk_s=5.0)
    assert [(c.start, c.stop, c.warm_start, c.last) for c in plan.chunks] == [(0, 100, 0, True)]


def test_chunks_keep_every_posed_frame_once_and_warm_up_at_least_a_second_before_their_start():
    plan = plan_pose(info_of(660), chunk_s=2.5)
    # The first chunk has no warm-up to pose: it keeps that second more, so every task poses 210 frames.
    assert [(c.start, c.stop) for c in plan.chunks] == [(0, 210), (210, 360), (360, 510), (510, 660)]
    assert kept_frames(plan) == list(range(660))
    assert all(c.start - c.warm_start >= MIN_WARMUP_S * 60 for c in plan.chunks[1:])
    assert {plan.samples(c, with_warmup=True) for c in plan.chunks} == {210}
    assert [c.last for c in plan.chunks] == [False, False, False, True]


def test_a_last_partial_chunk_keeps_its_own_chunk_unless_shorter_than_half_of_one():
    joined = plan_pose(info_of(700), chunk_s=5.0)  # 360 + 300 + 40: the 40 join the chunk before
    assert [(c.start, c.stop) for c in joined.chunks] == [(0, 360), (360, 700)]
    partial = plan_pose(info_of(860), chunk_s=5.0)  # 360 + 300 + 200: a chunk of its own
    assert [(c.start, c.stop) for c in partial.chunks] == [(0, 360), (360, 660), (660, 860)]


def test_at_120_fps_chunk_boundaries_fall_on_posed_frames():
    plan = plan_pose(info_of(1200, fps=120.0), chunk_s=2.5)
    assert plan.stride == 2 and len(plan.chunks) == 4
    assert all(c.start % 2 == 0 and c.warm_start % 2 == 0 for c in plan.chunks)
    assert kept_frames(plan) == list(range(0, 1200, 2))


def test_seeking_to_a_chunk_gives_the_frames_and_times_of_decoding_from_the_start():
    info = probe(CAM03)
    from_start = [(i, t, img.sum()) for i, t, img in iter_timed_frames(info, start=37, step=2)]
    sought = [(i, t, img.sum()) for i, t, img in iter_timed_frames(info, start=37, step=2, seek=True)]
    assert sought == from_start and sought[0][0] == 37


def test_a_chunk_drops_its_warm_up_and_reset_estimators_pose_as_new_ones():
    info = probe(CAM03)
    plan = plan_pose(info, chunk_s=0.2)
    late = plan.chunks[-1]
    assert late.warm_start < late.start
    first = pose_chunk(info, late, stride=plan.stride)
    again = pose_chunk(info, late, stride=plan.stride)  # the same estimators, reset
    for a, b in zip(first, again, strict=True):
        assert a.frame_index[0] == late.start and a.frame_index[-1] == info.frames - 1
        assert a.posed == len(range(late.warm_start, info.frames))
        np.testing.assert_array_equal(a.landmarks, b.landmarks)
    # The first chunk on reset estimators against the uninterrupted run on new ones.
    (reused,) = pose_chunk(info, plan.chunks[0], ("direct",), stride=plan.stride)
    fresh = pose_mod.run_streams(
        iter_timed_frames(info, stop=plan.chunks[0].stop), width=info.width, height=info.height, mirror="none"
    )
    np.testing.assert_array_equal(reused.landmarks, fresh.direct)


def test_a_chunk_result_survives_its_file(tmp_path):
    info = probe(CAM03)
    plan = plan_pose(info, chunk_s=0.2)
    (result,) = pose_chunk(info, plan.chunks[1], ("mirror",), stride=plan.stride)
    result.save(tmp_path / "chunk.npz")
    loaded = ChunkResult.load(tmp_path / "chunk.npz")
    assert (loaded.index, loaded.tracker, loaded.info, loaded.posed) == (1, "mirror", info, result.posed)
    np.testing.assert_array_equal(loaded.landmarks, result.landmarks)
    np.testing.assert_array_equal(loaded.time_s, result.time_s)


def test_the_cli_path_in_chunks_poses_every_frame_once_in_order():
    whole = analyse(CAM03, chunk_s=5.0)
    chunked = analyse(CAM03, chunk_s=0.2)
    assert chunked.pose["chunks"] == [[0, 72], [72, 84], [84, 100]] and whole.pose["chunks"] == [[0, 100]]
    np.testing.assert_array_equal(chunked.frame_index, np.arange(100))
    np.testing.assert_array_equal(chunked.time_s, whole.time_s)
    # The later chunks start their trackers 1 s early and settle to about MediaPipe's own restart
    # spread (p90 0.28 deg, max 1.0 deg; bench_analysis measures the targets on the 10 s clip, whose
    # boundaries are not a quarter of its frames as here).
    diff = np.abs(chunked.pelvic_obliquity_deg - whole.pelvic_obliquity_deg)
    assert np.nanmedian(diff) < 0.1 and np.nanpercentile(diff, 90) < 0.5 and np.nanmax(diff) < 1.0


def synthetic_chunks(track: PoseTrack, chunk_s: float) -> tuple[VideoInfo, object, list[ChunkResult]]:
    """The synthetic runner's landmarks as chunk results (both trackers see the same figure)."""
    n = int(track.frame_index[-1]) + 1
    info = VideoInfo(
        path="synthetic", container="none", fps=track.fps, frames=n, width=track.width, height=track.height
    )
    plan = plan_pose(info, chunk_s=chunk_s)
    results = []
    for c in plan.chunks:
        rows = (track.frame_index >= c.start) & ((track.frame_index < c.stop) | c.last)
        for tracker in TRACKERS:
            results.append(
                ChunkResult(
                    index=c.index,
                    tracker=tracker,
                    frame_index=track.frame_index[rows],
                    time_s=track.time_s[rows],
                    landmarks=track.landmarks[rows],
                    info=info,
                )
            )
    return info, plan, results


@pytest.mark.parametrize("drop_rate", [0.0, 0.05])
def test_summary_of_synthetic_runs_is_identical_through_the_chunk_merge(drop_rate):
    run = generate_run(cpd_left_deg=6.0, cpd_right_deg=3.0, duration_s=12.0, fps=60.0, drop_rate=drop_rate, seed=7)
    info, plan, results = synthetic_chunks(run.track, chunk_s=2.5)
    assert len(plan.chunks) == 4
    one_info, one_plan, one_results = synthetic_chunks(run.track, chunk_s=60.0)
    merged = measure(info, "posterior", plan, results).result
    single = measure(one_info, "posterior", one_plan, one_results).result
    assert merged is not None and single is not None
    assert merged.summary == single.summary and merged.stances == single.stances
    assert merged.quality.to_dict() == single.quality.to_dict()
    np.testing.assert_array_equal(merged.frame_index, run.track.frame_index)


def test_the_merge_refuses_a_missing_or_doubled_chunk():
    run = generate_run(duration_s=6.0, fps=60.0)
    _, plan, results = synthetic_chunks(run.track, chunk_s=2.0)
    with pytest.raises(IncompleteChunksError, match="missing"):
        merge_chunks(plan, results[:-1])
    with pytest.raises(IncompleteChunksError, match="twice"):
        merge_chunks(plan, [*results, results[0]])
    shifted = [dataclasses.replace(r, frame_index=r.frame_index - 200) for r in results[2:4]]  # chunk 1
    with pytest.raises(IncompleteChunksError, match="outside"):
        merge_chunks(plan, [*results[:2], *shifted, *results[4:]])
