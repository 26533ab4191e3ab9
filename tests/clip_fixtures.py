"""Clips for the tests: the real cam03 clip, the engine's bad inputs, and one real analysis of
cam03 (and of the side-view clip) per session shared by the tests that need a finished assessment.

A plugin of the root conftest, as tests/browser_fixtures.py, so every test folder shares one
definition of each session fixture: a folder or module importing these fixtures by name got its
own copy, and cam03 was analysed again for each (assessments, exports, patients, two browser
modules). Helpers (CAM03, upload_of, ...) are imported from here or from tests/assessments/conftest.py."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.services.jobs import OutputPaths

os.environ.setdefault("GLOG_minloglevel", "2")

DATA = Path(__file__).resolve().parent / "data"
CAM03 = DATA / "pose2sim_cam03_posterior.mp4"


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="video/mp4")


@pytest.fixture(scope="session")
def bad_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The engine's list of unusable inputs that can be told at upload, each as a file."""
    folder = tmp_path_factory.mktemp("bad-clips")
    clips = {}
    clips["empty"] = folder / "empty.mp4"
    clips["empty"].write_bytes(b"")
    clips["text"] = folder / "notes.mp4"
    clips["text"].write_text("These are my running notes, not a video.\n" * 20)
    clips["truncated"] = folder / "truncated.mp4"
    clips["truncated"].write_bytes(CAM03.read_bytes()[: CAM03.stat().st_size // 2])
    frame = np.full((240, 180, 3), 90, dtype=np.uint8)
    ok, png = cv2.imencode(".png", frame)
    assert ok
    clips["still"] = folder / "photo.mp4"
    clips["still"].write_bytes(png.tobytes())
    clips["one_frame"] = folder / "one_frame.mp4"
    writer = cv2.VideoWriter(str(clips["one_frame"]), cv2.VideoWriter.fourcc(*"mp4v"), 60.0, (180, 240))
    writer.write(frame)
    writer.release()
    return clips


@pytest.fixture(scope="session")
def phone_clips(tmp_path_factory: pytest.TempPathFactory):
    """Phone-style variants of cam03 (rotated, variable rate, two streams, long audio, audio only,
    slow motion), each made with ffmpeg once per session when first asked for (phone_clips.py)."""
    from tests.assessments import phone_clips

    if phone_clips.FFMPEG is None or phone_clips.FFPROBE is None:
        pytest.skip(phone_clips.SKIP_REASON)
    return phone_clips.PhoneClips(tmp_path_factory.mktemp("phone-clips"))


@pytest.fixture(scope="session")
def over_limit_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.assessments import phone_clips

    if phone_clips.FFMPEG is None:
        pytest.skip(phone_clips.SKIP_REASON)
    return phone_clips.over_limit_clips(tmp_path_factory.mktemp("over-limit-clips"))


@pytest.fixture(scope="session")
def short_cam03(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 1.1 s of cam03 at half size: a real runner, analysed in a few seconds (worker tests)."""
    path = tmp_path_factory.mktemp("short-clip") / "cam03_short.mp4"
    source = cv2.VideoCapture(str(CAM03))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 60.0, (544, 960))
    for _ in range(66):
        ok, frame = source.read()
        assert ok
        writer.write(cv2.resize(frame, (544, 960)))
    writer.release()
    source.release()
    return path


@pytest.fixture(scope="session")
def cam03_analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, OutputPaths]:
    """One real analysis of cam03 (with keyframes, preview and landmarks when the engine draws them)."""
    from assessments.analysis.pipeline import analyse
    from assessments.services import _output_paths

    work = tmp_path_factory.mktemp("cam03-analysis")
    outputs = _output_paths(work)
    result = analyse(CAM03, "posterior", **outputs)
    return result.to_dict(), outputs


@pytest.fixture
def finish(cam03_analysis):
    """``finish(assessment)``: give a queued assessment the shared cam03 result through the services."""
    return _finisher(cam03_analysis)


@pytest.fixture
def uploaded(visit_a, clinician):
    """A queued assessment of athlete A's visit, from the real cam03 clip (no analysis run)."""
    from assessments.services import assessment_create

    return assessment_create(visit=visit_a, video=upload_of(CAM03), view="posterior", created_by=clinician)


@pytest.fixture
def analysed_a(uploaded, finish):
    return finish(uploaded)


SIDE_VIEW = DATA / "sports2d_demo_side_view.mp4"


@pytest.fixture(scope="session")
def side_view_analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, OutputPaths]:
    """One real analysis of the side-view park clip: not measurable (filmed from the side)."""
    from assessments.analysis.pipeline import analyse
    from assessments.services import _output_paths

    work = tmp_path_factory.mktemp("side-view-analysis")
    outputs = _output_paths(work)
    outputs.pop("preview_path", None)  # no preview: saves time
    result = analyse(SIDE_VIEW, "posterior", **outputs)
    return result.to_dict(), outputs


@pytest.fixture
def finish_side_view(side_view_analysis):
    """``finish_side_view(assessment)``: give a queued assessment the side-view clip's real result."""
    return _finisher(side_view_analysis)


def _finisher(analysis):
    """A function giving a queued assessment a shared real result, through the job's own services."""
    from assessments import services

    def run(assessment):
        data, outputs = analysis
        data = copy.deepcopy(data)
        job_id = str(assessment.job_id)
        claimed = services.assessment_claim(assessment_id=assessment.pk, job_id=job_id)
        assert claimed is not None
        files = services._store_outputs(claimed, job_id, data, outputs)
        services.assessment_store_result(assessment_id=assessment.pk, job_id=job_id, result=data, files=files)
        assessment.refresh_from_db()
        return assessment

    return run
