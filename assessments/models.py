"""Hip-drop assessments: one treadmill video of a visit, its processing state and its result."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse


def private_storage() -> Storage:
    """The private storage of videos and results (settings.STORAGES["assessments"]).

    A callable, so the backend is chosen by settings at run time (local disk or S3) and
    migrations do not record it.
    """
    return storages["assessments"]


class AssessmentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FLAGGED = "flagged", "Done, with quality flags"
    FAILED = "failed", "Failed"


class CameraView(models.TextChoices):
    POSTERIOR = "posterior", "From behind (posterior)"
    ANTERIOR = "anterior", "From the front (anterior)"


FINISHED_STATUSES = (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)


class Assessment(models.Model):
    """A clip analysed for contralateral pelvic drop (MEASUREMENT.md).

    The result fields (``result`` and the summary columns) always hold the last successful
    analysis: a re-analysis writes them only when it succeeds, so a failed re-run keeps them.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey("patients.Visit", on_delete=models.CASCADE, related_name="assessments")
    # Denormalised from the visit so trends and scoping filter one table.
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="assessments")
    view = models.CharField(max_length=12, choices=CameraView.choices, default=CameraView.POSTERIOR)
    video = models.FileField(storage=private_storage, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    video_sha256 = models.CharField(max_length=64)
    video_size_bytes = models.BigIntegerField()
    video_meta = models.JSONField(default=dict, blank=True, help_text="Container, fps, frames, size, duration.")
    # Declared by the uploader for a slow-motion clip whose file does not say it: the engine then
    # times the run at playback / capture rate (MEASUREMENT.md, "Input").
    capture_fps = models.FloatField(
        null=True, blank=True, help_text="Capture rate of a slow-motion clip, frames per second (as filmed)."
    )

    status = models.CharField(
        max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    failure_reason = models.TextField(blank=True)
    # The job now owed: a new id per queueing, so a re-delivered or superseded message is a no-op.
    job_id = models.UUIDField(default=uuid.uuid4)
    # Runs started for the job (each delivery that claims it): capped by ASSESSMENT_MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The broker message (Celery task id) whose run holds the job: only its own redelivery or
    # retry may take the job over (services.assessment_claim).
    message_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The last successful analysis.
    analysed_at = models.DateTimeField(null=True, blank=True)
    analysis_version = models.CharField(max_length=32, blank=True)
    result = models.JSONField(null=True, blank=True)
    quality_ok = models.BooleanField(null=True)
    landmarks = models.FileField(storage=private_storage, max_length=255, blank=True)
    preview = models.FileField(storage=private_storage, max_length=255, blank=True)
    keyframes = models.JSONField(default=list, blank=True, help_text="[{side, kind, frame, cpd_midstance_deg, name}]")
    cpd_left_mean_deg = models.FloatField(null=True, blank=True)
    cpd_left_sd_deg = models.FloatField(null=True, blank=True)
    cpd_right_mean_deg = models.FloatField(null=True, blank=True)
    cpd_right_sd_deg = models.FloatField(null=True, blank=True)
    n_left = models.PositiveSmallIntegerField(null=True, blank=True)
    n_right = models.PositiveSmallIntegerField(null=True, blank=True)
    mean_cpd_deg = models.FloatField(null=True, blank=True)
    asymmetry_deg = models.FloatField(null=True, blank=True)
    cadence_spm = models.FloatField(null=True, blank=True)
    hip_adduction_left_deg = models.FloatField(null=True, blank=True)
    hip_adduction_right_deg = models.FloatField(null=True, blank=True)
    fppa_left_deg = models.FloatField(null=True, blank=True)
    fppa_right_deg = models.FloatField(null=True, blank=True)

    interpretation = models.TextField(blank=True, help_text="The clinician's reading of the result.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="assessments_uploaded"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "analysed_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        permissions = [
            ("view_assessment_result", "Can see full results, videos, keyframes and the processing state"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} of {self.visit}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def has_result(self) -> bool:
        return self.analysed_at is not None

    @property
    def is_running(self) -> bool:
        return self.status in (AssessmentStatus.QUEUED, AssessmentStatus.PROCESSING)

    @property
    def flags(self) -> list[dict]:
        return list(((self.result or {}).get("quality") or {}).get("flags") or [])
