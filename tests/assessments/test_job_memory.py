"""The worker's memory cap per job (issue 18): a clip that needs more memory than a job may use
fails its job with a reason a clinician can act on, and the worker process carries on."""

from __future__ import annotations

import hashlib
import resource
import uuid
from typing import cast

import pytest
from django.core.files.base import ContentFile

from assessments.models import Assessment, AssessmentStatus
from assessments.services.job_memory import JobOverMemory, memory_cap
from assessments.tasks import analyse_assessment
from tests.factories import AssessmentFactory

# serial: measures memory (the job's address-space cap while it decodes a huge frame).
pytestmark = [pytest.mark.django_db, pytest.mark.serial]


def queued_with_video(visit, path) -> Assessment:
    """A queued assessment holding ``path`` as its video, stored as the upload would store it.

    The upload itself would refuse the clip (it is over the limits); this is a clip stored before
    the limits existed, or with the limits raised in the settings.
    """
    data = path.read_bytes()
    assessment = cast(
        Assessment,
        AssessmentFactory(
            visit=visit,
            status=AssessmentStatus.QUEUED,
            job_id=uuid.uuid4(),
            video_sha256=hashlib.sha256(data).hexdigest(),
            video_size_bytes=len(data),
            result={},
            analysed_at=None,
            finished_at=None,
            progress=0,
        ),
    )
    assessment.video.save(f"assessments/{assessment.uid}/original.mp4", ContentFile(data), save=True)
    return assessment


def test_clip_needing_more_memory_than_a_job_may_use_fails_with_a_reason(visit_a, over_limit_clips, settings):
    settings.ASSESSMENT_MAX_SIDE_PX = None  # let the 16384x8704 clip through to the worker
    settings.ASSESSMENT_MAX_PIXELS_PER_S = None
    settings.ASSESSMENT_JOB_MEMORY_MB = 512  # one decoded frame of it is 214 MB of YUV, 428 MB of BGR
    assessment = queued_with_video(visit_a, over_limit_clips["huge"])
    limits_before = resource.getrlimit(resource.RLIMIT_AS)

    outcome = analyse_assessment.apply(args=[assessment.pk, str(assessment.job_id)]).get()

    assessment.refresh_from_db()
    assert outcome == "failed"
    assert assessment.status == AssessmentStatus.FAILED
    assert assessment.failure_reason.startswith("The analysis needed more memory than one job may use (512 MB)"), (
        assessment.failure_reason
    )
    assert "Export the clip at 1080p" in assessment.failure_reason
    # The cap is the job's: the worker process gets its own limit back for the next job.
    assert resource.getrlimit(resource.RLIMIT_AS) == limits_before


def test_memory_cap_names_an_allocation_past_it_and_lets_other_errors_through():
    with pytest.raises(JobOverMemory, match="more memory than one job may use"), memory_cap(64):
        bytearray(256 * 1024 * 1024)
    with pytest.raises(ValueError, match="not about memory"), memory_cap(64):
        raise ValueError("not about memory")
    assert bytearray(256 * 1024 * 1024)  # and the limit is gone again
