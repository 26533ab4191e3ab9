"""Demo assessment for the embedded run: the Pose2Sim cam03 clip uploaded on the demo athlete's
latest visit, through the real upload service (the worker of `make run` analyses it). Idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Assessment
from assessments.services import assessment_create
from patients.models import Patient

DEMO_CLIP = Path(settings.BASE_DIR) / "tests" / "data" / "pose2sim_cam03_posterior.mp4"


def seed_assessments_demo(*, clinician: Any, patient: Patient) -> Assessment | None:
    visit = patient.visits.order_by("-visit_date", "-id").first()
    if visit is None or not DEMO_CLIP.is_file() or Assessment.objects.filter(patient=patient).exists():
        return None
    clip = SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes(), content_type="video/mp4")
    return assessment_create(visit=visit, video=clip, view="posterior", created_by=clinician)
