"""Engine-vs-reference statistics and ``validate_engine`` (issue 13): Bland-Altman bias and limits
of agreement, ICC(2,1) and the SDD it implies, checked on numbers with a known answer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from django.core.management import call_command

from assessments.analysis import validate
from assessments.analysis.agreement import agreement, icc_2_1

from .conftest import SPORTS2D


def test_icc_2_1_matches_shrout_and_fleiss_worked_example():
    # Shrout & Fleiss 1979, Table 2: six targets, four judges; ICC(2,1) = 0.29.
    table = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    assert icc_2_1(table) == pytest.approx(0.29, abs=0.005)


def test_synthetic_engine_with_known_bias_and_error_gives_the_expected_agreement():
    rng = np.random.default_rng(13)
    n, sd_true, sd_err, bias = 4000, 3.0, 1.0, 0.5
    truth = rng.normal(5.0, sd_true, n)
    engine = truth + bias + rng.normal(0.0, sd_err, n)
    reference = truth + rng.normal(0.0, sd_err, n)
    result = agreement(engine, reference)
    assert result.n == n
    assert result.bias_deg == pytest.approx(bias, abs=0.06)
    half_width = 1.96 * math.sqrt(2) * sd_err  # differences carry both raters' error
    assert result.loa_high_deg - result.bias_deg == pytest.approx(half_width, rel=0.05)
    # Absolute agreement: the rater bias counts as error (column variance bias^2 / 2).
    expected_icc = sd_true**2 / (sd_true**2 + sd_err**2 + bias**2 / 2)
    assert result.icc_2_1 == pytest.approx(expected_icc, abs=0.015)
    assert result.sdd_deg == pytest.approx(1.96 * math.sqrt(2) * math.sqrt(sd_err**2 + bias**2 / 2), rel=0.06)


def test_validate_engine_command_reads_a_reference_with_engine_values(tmp_path, capsys, db):
    rng = np.random.default_rng(5)
    truth = rng.normal(6.0, 2.5, 40)
    lines = ["clip,view,side,stance,reference_cpd_deg,engine_cpd_deg"]
    for i, t in enumerate(truth):
        lines.append(
            f"clip{i // 10}.mp4,posterior,{'left' if i % 2 else 'right'},{i % 5 + 1},"
            f"{t + rng.normal(0, 0.8):.2f},{t + 1.0 + rng.normal(0, 0.8):.2f}"
        )
    reference = tmp_path / "reference.csv"
    reference.write_text("\n".join(lines) + "\n")
    out = tmp_path / "agreement.json"
    call_command("validate_engine", str(reference), "--json", str(out))
    printed = capsys.readouterr().out
    assert "n = 40" in printed and "Bias (engine - reference): +" in printed and "ICC(2,1)" in printed
    stats = json.loads(out.read_text())
    assert 0.6 < stats["bias_deg"] < 1.4 and stats["icc_2_1"] > 0.6 and stats["sdd_deg"] > 0


def test_not_measurable_clips_are_left_out_with_the_reason(tmp_path, capsys, analysed):
    rows = [
        "clip,view,side,reference_cpd_deg,engine_cpd_deg",
        "a.mp4,posterior,left,4.0,4.5",
        "b.mp4,posterior,right,6.0,5.0",
    ]
    rows.append(f"{SPORTS2D.name},posterior,left,5.0,")
    (tmp_path / "reference.csv").write_text("\n".join(rows) + "\n")
    real = analysed(SPORTS2D)  # the real side-view result, shared with test_real_video
    code = validate.main([str(tmp_path / "reference.csv")], analyse=lambda path, view: real.to_dict())
    printed = capsys.readouterr().out
    assert code == 0
    assert "n = 2" in printed and "not measurable" in printed and "filmed from the side" in printed


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("clip,side\nx.mp4,left\n", "the header lacks view, reference_cpd_deg"),
        ("clip,view,side,reference_cpd_deg\nx.mp4,posterior,middle,3\n", "side must be left or right"),
        ("clip,view,side,reference_cpd_deg\nx.mp4,posterior,left,abc\n", "'abc' is not a number"),
        ("clip,view,side,reference_cpd_deg\n", "no rows"),
    ],
)
def test_a_bad_reference_file_is_one_sentence_and_exit_2(tmp_path, capsys, content, expected):
    reference = tmp_path / "ref.csv"
    reference.write_text(content)
    assert validate.main([str(reference)]) == validate.EXIT_BAD_INPUT
    assert expected in capsys.readouterr().err
