"""The speed benchmark: its clip builder, its comparison and its last-line JSON."""

from __future__ import annotations

import json

import cv2
import numpy as np

from assessments.analysis import bench

from .conftest import CAM03, read_frames, write_clip


def test_bench_clip_loops_forwards_then_backwards_at_1080x1920(tmp_path):
    colours = [np.full((192, 108, 3), 40 * k, np.uint8) for k in range(5)]
    source = write_clip(tmp_path / "source.avi", colours, 60.0, "MJPG")
    clip = bench.build_bench_clip(tmp_path / "bench.mp4", source, seconds=0.2, fps=60.0)
    frames = read_frames(clip)
    assert len(frames) == 12
    assert frames[0].shape == (1920, 1080, 3)
    levels = [round(f.mean() / 40) for f in frames]
    assert levels == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3]


def test_comparing_a_result_with_itself_finds_no_difference(analysed):
    result = analysed(CAM03)
    diff = bench.compare(result, result)
    assert diff["frames_compared"] == 100
    assert diff["max_metric_diff_deg"] == 0.0


def test_bench_prints_a_json_last_line_with_the_chunked_and_the_uninterrupted_run(tmp_path, capsys, cam03_frames):
    clip = write_clip(tmp_path / "short.mp4", [cv2.resize(f, (540, 960)) for f in cam03_frames[:90]], 60.0)
    assert bench.main([str(clip), "--chunk-s", "0.2"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    d = json.loads(last)
    assert d["frames"] == 90 and d["in_process_rtf"] > 0 and d["chunked_in_process_rtf"] > 0
    assert d["chunks"] == 3 and d["chunked_median_diff_deg"] is not None
    # Decode speed of the engine's decoder (PyAV) beside OpenCV's, which it replaced.
    assert d["decode_fps_clip_pyav_threads"] > 0 and d["decode_fps_clip_opencv_1thread"] > 0


def test_the_restart_floor_is_zero_when_the_second_run_starts_at_the_same_frame(analysed):
    result = analysed(CAM03)
    floor = bench.restart_floor(CAM03, "posterior", result, start_s=0.0, settle_s=0.0)
    assert floor["restart_frames_compared"] == 100
    assert floor["restart_obliquity_diff_max_deg"] == 0.0


def test_the_restart_floor_compares_only_frames_after_the_late_run_has_settled(analysed):
    result = analysed(CAM03)  # 100 frames at 60 fps
    floor = bench.restart_floor(CAM03, "posterior", result, start_s=0.5, settle_s=0.5)
    assert floor["restart_frames_compared"] == 40  # frames 60..99
    assert 0.0 <= floor["restart_obliquity_diff_median_deg"] <= floor["restart_obliquity_diff_max_deg"]
