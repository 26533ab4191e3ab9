"""The command line and the JSON contract of issue 3, on a short real clip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assessments.analysis import cli
from assessments.analysis.pipeline import ANALYSIS_VERSION
from assessments.analysis.result import load_landmarks, save_landmarks

from .conftest import CAM03, write_clip

STANCE_KEYS = {
    "side",
    "contact_frame",
    "toe_off_frame",
    "midstance_frame",
    "cpd_midstance_deg",
    "cpd_peak_deg",
    "hip_adduction_peak_deg",
    "fppa_midstance_deg",
    "step_width_ratio",
}


def test_json_has_the_shape_of_issue_3(analysed):
    d = json.loads(analysed(CAM03).to_json())
    assert d["analysis_version"] == ANALYSIS_VERSION
    assert {"fps", "frames", "width", "height", "duration_s"} <= set(d["video"])
    assert d["video"]["width"] == 1088 and d["video"]["height"] == 1920 and d["video"]["fps"] == 60.0
    assert d["view"] == "posterior"
    frames = d["frames"]
    assert set(frames) == {"index", "time_s", "detected", "pelvic_obliquity_deg"}
    assert len(frames["index"]) == len(frames["time_s"]) == len(frames["detected"]) == 100
    assert frames["time_s"][60] == pytest.approx(1.0)
    assert all(isinstance(v, float) for v in frames["pelvic_obliquity_deg"])
    for stance in d["stances"]:
        assert set(stance) >= STANCE_KEYS
    summary = d["summary"]
    assert {"left", "right", "mean_cpd_deg", "asymmetry_deg", "cadence_spm"} <= set(summary)
    assert {"mean", "sd", "median", "n"} <= set(summary["left"]["cpd_midstance_deg"])
    assert set(d["quality"]) >= {"ok", "detection_rate", "flags"}
    assert all(set(f) == {"code", "message"} for f in d["quality"]["flags"])
    assert {"decode_s", "pose_s", "total_s", "realtime_factor"} <= set(d["timing"])
    assert d["timing"]["realtime_factor"] > 0


def test_pelvic_obliquity_is_null_in_json_where_no_person_was_found(analysed):
    result = analysed(CAM03)
    obliquity = np.array(result.pelvic_obliquity_deg, copy=True)
    obliquity[3] = np.nan
    result_copy = type(result)(**{**result.__dict__, "pelvic_obliquity_deg": obliquity})
    assert json.loads(result_copy.to_json())["frames"]["pelvic_obliquity_deg"][3] is None


def test_landmarks_file_round_trips_the_track(analysed, tmp_path):
    track = analysed(CAM03).track
    path = tmp_path / "landmarks.npz"
    save_landmarks(path, track)
    loaded = load_landmarks(path)
    assert loaded.landmarks.shape == (100, 33, 3)
    np.testing.assert_allclose(loaded.landmarks, track.landmarks, atol=1e-3)
    assert loaded.view == "posterior" and loaded.fps == 60.0


@pytest.fixture(scope="module")
def short_clip(clip_dir: Path, cam03_frames) -> Path:
    return write_clip(clip_dir / "cam03_first_half_s.mp4", cam03_frames[:30], 60.0)


def test_cli_prints_a_summary_and_writes_json_landmarks_and_keyframes(short_clip, tmp_path, capsys):
    out = tmp_path / "out" / "result.json"
    code = cli.main(
        [
            str(short_clip),
            "--json",
            str(out),
            "--keyframes",
            str(tmp_path / "kf"),
            "--landmarks",
            str(tmp_path / "lm.npz"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "Hip-drop analysis" in printed and "realtime factor" in printed
    # Half a second holds no complete stance: not measurable, the reason and no metric table.
    assert "NOT MEASURABLE" in printed and "No usable step" in printed and "CPD at midstance" not in printed
    d = json.loads(out.read_text())
    assert d["video"]["frames"] == 30
    assert d["quality"]["status"] == "not_measurable" and d["summary"]["left"]["cpd_midstance_deg"]["mean"] is None
    assert (tmp_path / "lm.npz").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty"), (b"just some text, not a video\n", "not a video")],
)
def test_cli_refuses_bad_input_with_one_sentence_and_a_nonzero_exit(tmp_path, capsys, content, expected):
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    code = cli.main([str(path), "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err.strip()
    assert code == cli.EXIT_BAD_INPUT
    assert expected in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "r.json").exists()


def test_cli_rejects_an_unknown_view(tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main([str(CAM03), "--view", "lateral"])
    assert info.value.code != 0


def test_analyse_rejects_a_view_other_than_posterior_or_anterior():
    from assessments.analysis import analyse

    with pytest.raises(ValueError, match="view"):
        analyse(CAM03, "lateral")
