"""The embedded run's demo data includes one assessment, uploaded through the real service."""

from __future__ import annotations

import pytest

from assessments.models import Assessment, AssessmentStatus
from demo.seed import seed_demo

pytestmark = pytest.mark.django_db


def test_demo_athlete_gets_one_queued_assessment_and_seeding_twice_adds_none(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        seed_demo()
        seed_demo()
    assessment = Assessment.objects.get()
    assert assessment.patient.full_name == "Alex Morgan"
    assert assessment.status == AssessmentStatus.QUEUED
    assert assessment.video.storage.exists(assessment.video.name)
