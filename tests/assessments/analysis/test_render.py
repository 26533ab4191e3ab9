"""Keyframes and the browser-playable preview."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import cv2
import pytest

from assessments.analysis.metrics import measure_stances
from assessments.analysis.render import write_keyframes, write_preview
from assessments.analysis.video import probe

from .conftest import CAM03


@pytest.fixture(scope="module")
def cam03_outputs(analysed, tmp_path_factory):
    from assessments.analysis.events import detect_stances

    result = analysed(CAM03)
    info = probe(CAM03)
    stance_metrics = measure_stances(result.track, detect_stances(result.track))
    out = tmp_path_factory.mktemp("render")
    keyframes = write_keyframes(info, result, stance_metrics, out / "keyframes")
    preview = write_preview(info, result, stance_metrics, out / "preview.webm")
    return result, stance_metrics, keyframes, preview


def test_keyframes_are_written_per_side_for_the_median_and_the_largest_cpd(cam03_outputs):
    _, stance_metrics, keyframes, _ = cam03_outputs
    sides = {m.side for m in stance_metrics}
    assert {(k["side"], k["kind"]) for k in keyframes} == {(s, kind) for s in sides for kind in ("median", "largest")}
    for k in keyframes:
        img = cv2.imread(k["path"])
        assert img.shape == (1920, 1088, 3)
        # The page-sized JPEG: long side 960 px, far below the 250 kB a page keyframe may weigh.
        page = cv2.imread(k["page_path"])
        assert page.shape == (960, 544, 3) and os.path.getsize(k["page_path"]) <= 250 * 1024
        assert k["frame"] in {m.midstance_frame for m in stance_metrics}


def test_preview_is_vp8_webm_that_decodes_back_frame_for_frame(cam03_outputs):
    result, _, _, preview = cam03_outputs
    with open(preview, "rb") as fh:
        assert fh.read(4) == b"\x1a\x45\xdf\xa3"  # Matroska/WebM
    cap = cv2.VideoCapture(preview)
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == len(result.frame_index)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_preview_plays_in_chromium(cam03_outputs, tmp_path):
    preview = cam03_outputs[3]
    page = tmp_path / "play.html"
    page.write_text(
        f'<video id="v" src="file://{preview}" muted></video><pre id="o">pending</pre><script>'
        "const v=document.getElementById('v');v.addEventListener('loadedmetadata',()=>v.play());"
        "setTimeout(()=>{document.getElementById('o').textContent='RESULT'+JSON.stringify({r:v.readyState,"
        "d:v.duration,w:v.videoWidth,e:v.error?v.error.code:0})+'END'},2500);</script>"
    )
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--allow-file-access-from-files",
            "--autoplay-policy=no-user-gesture-required",
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"file://{page}",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    ).stdout
    found = re.search(r"RESULT(\{.*?\})END", dom)
    assert found, dom[-500:]
    state = json.loads(found.group(1))
    assert state["e"] == 0
    assert state["r"] >= 2
    assert state["d"] == pytest.approx(100 / 60, abs=0.05)
    assert state["w"] > 0
