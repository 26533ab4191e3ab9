"""Clinician's notes on an assessment."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)


@transaction.atomic
def assessment_set_interpretation(*, assessment: Assessment, interpretation: str, updated_by: Any) -> Assessment:
    assessment.interpretation = interpretation.strip()
    # Only the note is written; the uploader may be gone (created_by is SET_NULL on delete).
    assessment.full_clean(exclude=["video", "visit", "patient", "created_by"])
    Assessment.objects.filter(pk=assessment.pk).update(
        interpretation=assessment.interpretation, updated_at=timezone.now()
    )
    audit_record(
        actor=updated_by,
        action=AuditAction.UPDATE,
        target=assessment,
        patient_id=assessment.patient_id,
        summary="interpretation note",
    )
    return assessment
