"""One clip spread over chunk tasks (issue 15), through the services and the Celery tasks run in-process:
the chord's numbers, idempotent steps, a chunk that fails for good, the sweeper, numbers first."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.analysis.pipeline import analyse
from assessments.models import AnalysisStep, Assessment, AssessmentStatus, StepStage, StepStatus
from assessments.services import stages, steps
from assessments.tasks import analyse_assessment, measure_assessment, pose_assessment_chunk, render_assessment
from audit.models import AuditEvent
from tests.assessments.conftest import CAM03

pytestmark = pytest.mark.django_db


@pytest.fixture
def chunked(settings):
    """Chunks of 0.2 s: the 1.7 s cam03 clip becomes 3 chunks (0-1.2 s, 1.2-1.4 s, 1.4-1.7 s), 6 pose steps."""
    settings.ASSESSMENT_CHUNK_S = 0.2
    return settings


def started(assessment: Assessment) -> list[AnalysisStep]:
    """Claim the job and make its steps, as the start task does, without sending the chord."""
    job_id = str(assessment.job_id)
    claimed = services.assessment_claim(assessment_id=assessment.pk, job_id=job_id, message_id="start")
    assert claimed is not None
    from assessments.analysis.plan import plan_pose
    from assessments.analysis.video import probe

    plan = plan_pose(probe(claimed.video.path), chunk_s=0.2)
    return steps.steps_create(assessment=claimed, job_id=job_id, plan=plan)


def record_sent(monkeypatch, *tasks) -> list[tuple]:
    """The step messages the services send, recorded instead of published."""
    sent: list[tuple] = []
    for task in tasks:
        stage = task.name.rsplit(".", 1)[1].split("_")[0]
        monkeypatch.setattr(task, "apply_async", lambda args, stage=stage, **options: sent.append((stage, *args)))
    return sent


def pose(assessment: Assessment, step: AnalysisStep, message_id: str) -> str:
    args = [assessment.pk, str(assessment.job_id), step.index, step.tracker]
    return pose_assessment_chunk.apply(args=args, task_id=message_id).get()


def test_a_clip_in_chunks_is_measured_through_the_chord_with_the_numbers_of_one_process(uploaded, chunked):
    outcome = analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get()
    uploaded.refresh_from_db()
    assert outcome == uploaded.status and uploaded.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)
    pose_steps = AnalysisStep.objects.filter(job_id=uploaded.job_id, stage=StepStage.POSE)
    assert sorted(pose_steps.values_list("index", "tracker")) == [
        (k, t) for k in range(3) for t in ("direct", "mirror")
    ]
    assert set(AnalysisStep.objects.filter(job_id=uploaded.job_id).values_list("status", flat=True)) == {
        StepStatus.DONE
    }
    cli = analyse(CAM03, "posterior", chunk_s=0.2)
    assert uploaded.result["summary"] == cli.to_dict()["summary"]
    np.testing.assert_array_equal(uploaded.result["frames"]["index"], cli.frame_index)
    assert uploaded.result["pose"]["chunks"] == [[0, 72], [72, 84], [84, 100]]
    # Pictures followed the numbers; the chunk results, only the way to them, are gone.
    assert not uploaded.pictures_pending and uploaded.keyframes and uploaded.preview
    storage = uploaded.video.storage
    assert all(not storage.exists(name) for name in pose_steps.values_list("file", flat=True))
    assert uploaded.progress == 100 and uploaded.attempts == 1


def test_a_chunk_delivered_twice_is_posed_once(uploaded, chunked):
    step = started(uploaded)[0]
    assert pose(uploaded, step, "m-1") == "done"
    assert pose(uploaded, step, "m-1") == "skipped"  # a redelivery after the result landed
    assert pose(uploaded, step, "m-2") == "skipped"  # the sweeper's re-send arriving late
    step.refresh_from_db()
    assert step.status == StepStatus.DONE and step.attempts == 1
    assert uploaded.video.storage.exists(step.file)


def test_a_redelivery_of_a_chunk_whose_worker_died_takes_it_over_and_counts(uploaded, chunked):
    step = started(uploaded)[0]
    assert steps.step_claim(
        assessment_id=uploaded.pk, job_id=str(uploaded.job_id), stage="pose", tracker="direct", message_id="m-1"
    )
    assert pose(uploaded, step, "m-1") == "done"  # the same message again: its run died
    step.refresh_from_db()
    assert step.attempts == 2 and step.status == StepStatus.DONE


def test_a_chunk_that_kills_its_worker_past_the_cap_fails_the_assessment_with_a_reason(uploaded, chunked, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 2
    step = started(uploaded)[2]  # chunk 1, direct
    for _ in range(2):
        assert steps.step_claim(
            assessment_id=uploaded.pk,
            job_id=str(uploaded.job_id),
            stage="pose",
            index=step.index,
            tracker=step.tracker,
            message_id="poison",
        )
    assert pose(uploaded, step, "poison") == "skipped"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert uploaded.failure_reason.startswith("The analysis stopped unexpectedly 2 times on part 2 of the video")


def test_a_video_changed_under_a_chunk_fails_the_assessment_with_the_reason(uploaded, chunked):
    step = started(uploaded)[3]
    with open(uploaded.video.path, "r+b") as fh:
        fh.seek(5000)
        fh.write(b"tampered")
    assert pose(uploaded, step, "m-1") == "failed"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED
    assert "no longer matches the uploaded file" in uploaded.failure_reason
    assert AnalysisStep.objects.get(pk=step.pk).status == StepStatus.FAILED


def test_measure_waits_for_every_chunk(uploaded, chunked):
    pose_steps = started(uploaded)
    for k, step in enumerate(pose_steps[:-1]):
        pose(uploaded, step, f"m-{k}")
    assert measure_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "waiting"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.PROCESSING and 2 < uploaded.progress < 90


def test_the_numbers_are_shown_before_the_pictures_and_the_pictures_join_them(uploaded, chunked, client, clinician):
    for k, step in enumerate(started(uploaded)):
        pose(uploaded, step, f"m-{k}")
    # Not inside a task: the render message goes to the broker, and no worker takes it yet.
    stages.measure_run(assessment_id=uploaded.pk, job_id=str(uploaded.job_id), message_id="measure")
    uploaded.refresh_from_db()
    assert uploaded.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED) and uploaded.progress == 100
    assert uploaded.pictures_pending and uploaded.result["summary"]["left"] and not uploaded.keyframes
    client.force_login(clinician)
    status_url = reverse("api:assessment-status", args=[uploaded.pk])
    status = client.get(status_url).json()
    assert status["status"] == uploaded.status and status["pictures_pending"] is True
    page = client.get(uploaded.get_absolute_url()).content.decode()
    assert 'id="pictures-pending"' in page and 'id="summary"' in page

    assert render_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "pictures"
    uploaded.refresh_from_db()
    assert not uploaded.pictures_pending and uploaded.keyframes and uploaded.preview
    assert uploaded.result["outputs"]["preview"] == uploaded.preview.name
    assert client.get(status_url).json()["pictures_pending"] is False
    page = client.get(uploaded.get_absolute_url()).content.decode()
    assert 'id="pictures-pending"' not in page and 'id="preview-video"' in page
    stored = AuditEvent.objects.filter(target_id=str(uploaded.pk), summary__startswith="analysis stored")
    assert stored.count() == 1


def test_the_sweeper_resends_a_lost_chunk_and_the_chunk_completing_the_set_sends_the_measure(
    uploaded, chunked, monkeypatch, django_capture_on_commit_callbacks
):
    pose_steps = started(uploaded)
    for k, step in enumerate(pose_steps[1:]):
        pose(uploaded, step, f"m-{k}")
    lost = pose_steps[0]  # its worker died mid-chunk
    assert steps.step_claim(
        assessment_id=uploaded.pk, job_id=str(uploaded.job_id), stage="pose", tracker="direct", message_id="dead"
    )
    AnalysisStep.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    Assessment.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    sent = record_sent(monkeypatch, pose_assessment_chunk, measure_assessment)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.assessment_requeue_stuck()
    assert outcome == {"requeued": [uploaded.pk], "failed": []}
    assert sent == [("pose", uploaded.pk, str(uploaded.job_id), 0, "direct")]
    with django_capture_on_commit_callbacks(execute=True):
        assert pose(uploaded, lost, "resent") == "done"  # the same job id: the chunks kept
    assert sent[-1] == ("measure", uploaded.pk, str(uploaded.job_id))
    assert measure_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() in ("done", "flagged")
    uploaded.refresh_from_db()
    assert uploaded.attempts == 1 and uploaded.is_finished


def test_the_sweeper_resends_a_lost_measure_and_lost_pictures(
    uploaded, chunked, monkeypatch, django_capture_on_commit_callbacks
):
    for k, step in enumerate(started(uploaded)):
        pose(uploaded, step, f"m-{k}")
    old = timezone.now() - timedelta(hours=1)
    AnalysisStep.objects.filter(job_id=uploaded.job_id, stage=StepStage.MEASURE).update(sent_at=old)
    sent = record_sent(monkeypatch, measure_assessment, render_assessment)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.assessment_requeue_stuck()["requeued"] == [uploaded.pk]
    assert sent == [("measure", uploaded.pk, str(uploaded.job_id))]
    stages.measure_run(assessment_id=uploaded.pk, job_id=str(uploaded.job_id), message_id="resent")
    AnalysisStep.objects.filter(job_id=uploaded.job_id, stage=StepStage.RENDER).update(sent_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.assessment_requeue_stuck()["requeued"] == [uploaded.pk]
    assert sent[-1] == ("render", uploaded.pk, str(uploaded.job_id))
    assert render_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "pictures"
    uploaded.refresh_from_db()
    assert not uploaded.pictures_pending and uploaded.keyframes


def test_pictures_that_fail_for_good_leave_the_numbers_with_a_sentence(uploaded, chunked, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 1
    for k, step in enumerate(started(uploaded)):
        pose(uploaded, step, f"m-{k}")
    stages.measure_run(assessment_id=uploaded.pk, job_id=str(uploaded.job_id), message_id="measure")
    job_id = str(uploaded.job_id)
    assert steps.step_claim(assessment_id=uploaded.pk, job_id=job_id, stage="render", message_id="died")
    assert render_assessment.apply(args=[uploaded.pk, job_id], task_id="died").get() == "skipped"
    uploaded.refresh_from_db()
    assert uploaded.status in (AssessmentStatus.DONE, AssessmentStatus.FLAGGED) and not uploaded.pictures_pending
    assert uploaded.result["outputs"]["pictures_error"].startswith("The keyframes and the annotated preview could not")
    assert uploaded.result["summary"]["left"] and uploaded.analysed_at is not None


def test_pictures_still_owed_when_the_video_is_removed_are_never_drawn(uploaded, chunked):
    from assessments.services.retention import assessment_remove_videos

    for k, step in enumerate(started(uploaded)):
        pose(uploaded, step, f"m-{k}")
    stages.measure_run(assessment_id=uploaded.pk, job_id=str(uploaded.job_id), message_id="measure")
    assert assessment_remove_videos(assessment_id=uploaded.pk, reason="when consent was withdrawn")
    assert render_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "skipped"
    uploaded.refresh_from_db()
    assert not uploaded.pictures_pending and not uploaded.preview and not uploaded.keyframes
    assert uploaded.result["summary"]["left"]  # the numbers stay
