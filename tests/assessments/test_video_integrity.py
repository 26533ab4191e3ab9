"""The stored video is re-hashed before analysis: a file changed after upload is not analysed."""

from __future__ import annotations

import hashlib

import pytest

from assessments.models import AssessmentStatus
from assessments.tasks import analyse_assessment
from audit.models import AuditEvent
from tests.assessments.conftest import CAM03

pytestmark = pytest.mark.django_db


def test_a_stored_video_changed_after_upload_fails_with_a_plain_reason_and_is_audited(uploaded):
    path = uploaded.video.path
    with open(path, "r+b") as fh:  # one byte changed on the storage, after the upload's hash
        fh.seek(5000)
        byte = fh.read(1)
        fh.seek(5000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with open(path, "rb") as fh:
        changed = hashlib.sha256(fh.read()).hexdigest()

    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "failed"

    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED and uploaded.result is None and uploaded.attempts == 1
    assert uploaded.failure_reason.startswith("The stored video no longer matches the uploaded file")
    assert uploaded.video_sha256 == hashlib.sha256(CAM03.read_bytes()).hexdigest() != changed
    events = AuditEvent.objects.filter(target_type="assessments.assessment", target_id=str(uploaded.pk))
    integrity = events.get(summary__startswith="stored video failed its integrity check")
    assert changed in integrity.summary and uploaded.video_sha256 in integrity.summary
    assert events.filter(summary__startswith="analysis failed: The stored video no longer matches").count() == 1


def test_a_stored_video_replaced_by_another_clip_is_not_analysed(uploaded):
    from tests.assessments.bad_uploads import SPORTS2D

    with open(uploaded.video.path, "wb") as fh:
        fh.write(SPORTS2D.read_bytes())
    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "failed"
    uploaded.refresh_from_db()
    assert "no longer matches the uploaded file" in uploaded.failure_reason
    assert uploaded.analysed_at is None
