"""Hip-drop assessments: one treadmill video of a visit, its processing state and its result."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessments.analysis import quality as gate
from assessments.analysis.summary import ci95_half_width


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


class AssessmentSource(models.TextChoices):
    """Who filmed the clip: the clinic at a visit, or the athlete at home (a self-check, issue 12 item 7)."""

    CLINIC = "clinic", "Clinic visit"
    SELF_CHECK = "self_check", "Self-check by the athlete"


class CameraView(models.TextChoices):
    POSTERIOR = "posterior", "From behind (posterior)"
    ANTERIOR = "anterior", "From the front (anterior)"


FINISHED_STATUSES = (AssessmentStatus.DONE, AssessmentStatus.FLAGGED)


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def measurements(self) -> AssessmentQuerySet:
        """The clinic's measurements: every clip filmed at a visit, plus the self-checks a clinician
        accepted into the trend. The one home of the rule (issue 12, item 7): a self-check never
        counts as a clinic measurement (trend, reports, FHIR, exports, programme decisions, hip-check
        statistics, athlete summaries) until a clinician accepts it into the trend."""
        # As with a low-confidence acceptance, the acceptance covers the analysis it was given on: a
        # re-analysis (analysed_at after in_trend_at) takes the self-check out until it is reviewed again.
        return self.filter(
            models.Q(source=AssessmentSource.CLINIC) | models.Q(in_trend_at__gte=models.F("analysed_at"))
        )

    def self_checks(self) -> AssessmentQuerySet:
        return self.filter(source=AssessmentSource.SELF_CHECK)


class Assessment(models.Model):
    """A clip analysed for contralateral pelvic drop (MEASUREMENT.md).

    The result fields (``result`` and the summary columns) always hold the last successful
    analysis: a re-analysis writes them only when it succeeds, so a failed re-run keeps them.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(
        max_length=12, choices=AssessmentSource.choices, default=AssessmentSource.CLINIC, db_index=True
    )
    # A clinic clip belongs to a visit; a self-check, filmed by the athlete between visits, to none
    # (a constraint below keeps the two apart).
    visit = models.ForeignKey(
        "patients.Visit", on_delete=models.CASCADE, related_name="assessments", null=True, blank=True
    )
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
    # An upright H.264/MP4 copy of an original Chromium cannot play (HEVC, MPEG-4 Part 2, ...),
    # made by the analysis job (assessments.analysis.rendition); empty when the original plays.
    playback = models.FileField(storage=private_storage, max_length=255, blank=True)
    keyframes = models.JSONField(default=list, blank=True, help_text="[{side, kind, frame, cpd_midstance_deg, name}]")
    # Numbers first (issue 15): the result is stored as soon as it is measured; keyframes, the
    # annotated preview and the playable copy follow from their own task while this is set.
    pictures_pending = models.BooleanField(default=False)
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

    # Set when the original video and its renditions are deleted (assessments.services.retention); the
    # numbers, keyframes, landmarks and reports stay. The reason reads after "removed on <date> ".
    video_removed_at = models.DateTimeField(null=True, blank=True)
    video_removed_reason = models.CharField(max_length=255, blank=True)
    # A clinician may vouch for a low-confidence result (issue 13): who, when and why. Only then
    # does it count for trend changes and reach the athlete. It covers the analysis it was given
    # on: a later re-analysis (analysed_at after accepted_at) needs a new acceptance.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments_accepted"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_note = models.TextField(blank=True)
    # The clinician's pick of the assessment that counts for its visit and view; without one the
    # latest measurable result counts (selectors.results_of_record).
    of_record_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    of_record_at = models.DateTimeField(null=True, blank=True)

    interpretation = models.TextField(blank=True, help_text="The clinician's reading of the result.")
    # A self-check's review: the clinician's words to the athlete (shown to them, with the result,
    # only once reviewed), and whether the clinician accepted it into the trend (only then does it
    # count as a clinic measurement: AssessmentQuerySet.measurements).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True, help_text="The clinician's words to the athlete about a self-check.")
    in_trend_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    in_trend_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="assessments_uploaded"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "analysed_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="clinic", visit__isnull=False) | models.Q(source="self_check", visit__isnull=True)
                ),
                name="clinic_clip_has_visit_self_check_has_none",
            ),
            models.CheckConstraint(
                condition=models.Q(in_trend_at__isnull=True) | models.Q(source="self_check", reviewed_at__isnull=False),
                name="only_reviewed_self_checks_join_the_trend",
            ),
        ]
        permissions = [
            ("view_assessment_result", "Can see full results, videos, keyframes and the processing state"),
            ("add_self_check", "Can send a self-check video of their own running from the portal"),
        ]

    def __str__(self) -> str:
        if self.is_self_check:
            return f"Self-check {self.pk} of {self.patient} on {self.measured_on:%d %b %Y}"
        return f"Assessment {self.pk} of {self.visit}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", args=[self.pk])

    @property
    def is_self_check(self) -> bool:
        return self.source == AssessmentSource.SELF_CHECK

    @property
    def measured_on(self) -> datetime.date:
        """The day the clip was filmed: its visit's date, or the day a self-check was sent."""
        if self.visit_id is not None and self.visit is not None:
            return self.visit.visit_date
        return timezone.localdate(self.created_at) if self.created_at else timezone.localdate()

    @property
    def is_reviewed(self) -> bool:
        """Reviewed on its current analysis (a re-analysis needs a new review)."""
        return self.reviewed_at is not None and (self.analysed_at is None or self.reviewed_at >= self.analysed_at)

    @property
    def in_trend(self) -> bool:
        return self.in_trend_at is not None and self.analysed_at is not None and self.in_trend_at >= self.analysed_at

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
    def video_removed(self) -> bool:
        return self.video_removed_at is not None

    @property
    def flags(self) -> list[dict]:
        if hasattr(self, "quality_flags"):  # a list row: flags annotated, result JSON deferred
            return list(self.quality_flags or [])
        return list(((self.result or {}).get("quality") or {}).get("flags") or [])

    @property
    def quality_status(self) -> str:
        """measurable / low_confidence / not_measurable (the engine's gate), "" before a result.

        Re-derived from the flag codes, so results stored before the states existed get one too.
        """
        if not self.has_result:
            return ""
        return gate.status_of(f.get("code", "") for f in self.flags)

    @property
    def quality_label(self) -> str:
        return gate.STATE_LABELS.get(self.quality_status, "")

    @property
    def quality_reasons(self) -> list[str]:
        return gate.status_reasons(self.flags)

    @property
    def shows_numbers(self) -> bool:
        """Not measurable: no metric anywhere (MEASUREMENT.md, "Quality gate")."""
        return self.has_result and self.quality_status != gate.NOT_MEASURABLE

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None and self.analysed_at is not None and self.accepted_at >= self.analysed_at

    @property
    def counts(self) -> bool:
        """Does it count for trend changes and athlete-facing words? Measurable, or accepted."""
        status = self.quality_status
        return status == gate.MEASURABLE or (status == gate.LOW_CONFIDENCE and self.is_accepted)

    @property
    def cpd_left_ci95_deg(self) -> float | None:
        return ci95_half_width(self.cpd_left_sd_deg, self.n_left)

    @property
    def cpd_right_ci95_deg(self) -> float | None:
        return ci95_half_width(self.cpd_right_sd_deg, self.n_right)


class ManualHipCheck(models.Model):
    """A clinician's own read of CPD on a midstance keyframe: the two hip points placed by hand
    (keyframe image pixels, y down), kept beside the engine's value for the clinic's agreement
    page (issue 13). One per keyframe and clinician; a new placement replaces the old one."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="hip_checks")
    keyframe_index = models.PositiveSmallIntegerField()
    side = models.CharField(max_length=5, help_text="Stance side of the keyframe.")
    frame = models.PositiveIntegerField()
    left_hip_x = models.FloatField()
    left_hip_y = models.FloatField()
    right_hip_x = models.FloatField()
    right_hip_y = models.FloatField()
    manual_cpd_deg = models.FloatField()
    engine_cpd_deg = models.FloatField()
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "keyframe_index", "checked_by"], name="one_hip_check_per_keyframe_and_clinician"
            )
        ]

    def __str__(self) -> str:
        return f"Hip check of keyframe {self.keyframe_index} of assessment {self.assessment_id}"

    @property
    def difference_deg(self) -> float:
        return self.engine_cpd_deg - self.manual_cpd_deg


class StepStage(models.TextChoices):
    POSE = "pose", "Pose a chunk"
    MEASURE = "measure", "Merge and measure"
    RENDER = "render", "Keyframes, preview and playable copy"


class StepStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AnalysisStep(models.Model):
    """One task of an analysis job spread over workers (issue 15): a pose chunk of one tracker,
    the merge-and-measure, or the pictures. The row, not the broker, records the step: it is
    claimed like the job (one conditional UPDATE), so a re-delivered message cannot store a second
    result, and the sweeper re-sends a step whose worker died or whose message was lost."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="steps")
    job_id = models.UUIDField(db_index=True)
    stage = models.CharField(max_length=8, choices=StepStage.choices)
    index = models.PositiveIntegerField(default=0, help_text="Chunk number (pose steps).")
    tracker = models.CharField(max_length=8, blank=True, help_text="direct or mirror (pose steps).")
    # The chunk: frames [start, stop) kept, posing from warm_start; stop is null for the last chunk.
    start_frame = models.PositiveIntegerField(default=0)
    stop_frame = models.PositiveIntegerField(null=True, blank=True)
    warm_start_frame = models.PositiveIntegerField(default=0)
    stride = models.PositiveSmallIntegerField(default=1)
    samples = models.PositiveIntegerField(default=0, help_text="Samples to pose, warm-up included.")
    samples_done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=64, blank=True)
    resent = models.BooleanField(default=False, help_text="Sent again by the sweeper, outside the chord.")
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=255, blank=True, help_text="The chunk result (.npz) in private storage.")
    wall_s = models.FloatField(null=True, blank=True)
    cpu_s = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "stage", "index", "tracker"]
        constraints = [
            models.UniqueConstraint(fields=["job_id", "stage", "index", "tracker"], name="one_step_per_job_stage_chunk")
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        part = f" {self.index} ({self.tracker})" if self.stage == StepStage.POSE else ""
        return f"{self.get_stage_display()}{part} of assessment {self.assessment_id}"


class ResumableUpload(models.Model):
    """A clip arriving in pieces over the tus 1.0.0 protocol (``assessments/services/resumable.py``).

    Its bytes sit in a private part file (settings.ASSESSMENT_RESUMABLE_DIR), never in storage,
    until the last piece arrives and ``assessment_create`` checks and stores it. The id is random:
    the upload URL names it, and only its owner reaches it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resumable_uploads")
    # None: an athlete's self-check from the portal (the owner's own patient record).
    visit = models.ForeignKey(
        "patients.Visit", on_delete=models.CASCADE, related_name="resumable_uploads", null=True, blank=True
    )
    view = models.CharField(max_length=16, choices=CameraView.choices, default=CameraView.POSTERIOR)
    capture_fps = models.FloatField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    length_bytes = models.BigIntegerField()
    offset_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    # Set once the last piece is in and the assessment exists; the row stays until it expires so
    # a client that lost the final answer can still ask (HEAD) where its assessment is.
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Resumable upload {self.id} ({self.offset_bytes}/{self.length_bytes} bytes)"
