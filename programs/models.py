"""Strength programs: the exercise library, programs (and templates) in phases, prescriptions
given to a patient at a visit, and what the athlete logs against them.

A prescription is never edited in place: a change is a new prescription that supersedes the
active one, so the history says what was prescribed when.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.templatetags.static import static
from django.urls import reverse

from programs.progression import Dosage, Rule


class Exercise(models.Model):
    """One exercise of the library; seeded by a data migration, editable by clinicians."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    target = models.CharField(max_length=200, help_text="The muscles or capacity it builds.")
    starting_position = models.TextField()
    instructions = models.TextField(help_text="One step per line.")
    key_cues = models.TextField(blank=True, help_text="One cue per line.")
    common_faults = models.TextField(blank=True, help_text="One fault per line.")
    evidence = models.TextField(blank=True, help_text="What the research reports, with sources.")
    default_sets = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(10)])
    default_reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    default_hold_s = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    default_load_kg = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    load_note = models.CharField(max_length=120, blank=True, help_text="e.g. 'light resistance band'.")
    default_days_per_week = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    easier = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    harder = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    illustration = models.CharField(
        max_length=200, blank=True, help_text="Static path of the SVG drawing, e.g. programs/exercises/<slug>.svg."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:exercise-detail", args=[self.slug])

    @property
    def illustration_url(self) -> str:
        return static(self.illustration) if self.illustration else ""

    @property
    def instruction_steps(self) -> list[str]:
        return [line.strip() for line in self.instructions.splitlines() if line.strip()]

    @property
    def cue_list(self) -> list[str]:
        return [line.strip() for line in self.key_cues.splitlines() if line.strip()]

    @property
    def fault_list(self) -> list[str]:
        return [line.strip() for line in self.common_faults.splitlines() if line.strip()]


class ProgressionRuleFields(models.Model):
    """The progression rule of a phase; copied into each prescription so history stays true."""

    reps_min = models.PositiveSmallIntegerField(default=8, validators=[MinValueValidator(1)])
    reps_max = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(1)])
    rep_step = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    sets_max = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(10)])
    load_step_kg = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("1"))
    hold_min_s = models.PositiveSmallIntegerField(default=20)
    hold_max_s = models.PositiveSmallIntegerField(default=60)
    hold_step_s = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])

    RULE_FIELDS = (
        "reps_min",
        "reps_max",
        "rep_step",
        "sets_max",
        "load_step_kg",
        "hold_min_s",
        "hold_max_s",
        "hold_step_s",
    )

    class Meta:
        abstract = True

    @property
    def rule(self) -> Rule:
        return Rule(**{name: getattr(self, name) for name in self.RULE_FIELDS})


class Program(models.Model):
    """A program of exercises in phases. Templates are programs clinicians start from."""

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    is_template = models.BooleanField(default=False)
    gait_cues = models.TextField(
        blank=True, help_text="Gait retraining cues, one a line, e.g. 'Run with your knees apart'."
    )
    cadence_increase_pct = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text="Cadence target over the measured cadence, in percent (usually 5-10).",
    )
    created_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_template", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:program-detail", args=[self.pk])

    @property
    def weeks(self) -> int:
        return sum(phase.weeks for phase in self.phases.all())

    @property
    def gait_cue_list(self) -> list[str]:
        return [line.strip() for line in self.gait_cues.splitlines() if line.strip()]


class Phase(ProgressionRuleFields):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=120)
    weeks = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(52)])
    goal = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "order", "id"]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class DosageFields(models.Model):
    sets = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    hold_s = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    load_kg = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    days_per_week = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(7)])

    DOSAGE_FIELDS = ("sets", "reps", "hold_s", "load_kg", "days_per_week")

    class Meta:
        abstract = True

    @property
    def dosage(self) -> Dosage:
        return Dosage(
            sets=self.sets,
            reps=self.reps,
            hold_s=self.hold_s,
            load_kg=Decimal(self.load_kg),
            days_per_week=self.days_per_week,
        )

    @property
    def dosage_text(self) -> str:
        amount = f"{self.hold_s} s hold" if self.hold_s else f"{self.reps} reps"
        load = f" · {Decimal(self.load_kg).normalize():f} kg" if self.load_kg else ""
        return f"{self.sets} x {amount}{load} · {self.days_per_week}x a week"


class ProgramExercise(DosageFields):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)
    notes = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["phase", "order", "id"]

    def __str__(self) -> str:
        return f"{self.exercise} ({self.dosage_text})"


class PrescriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    ENDED = "ended", "Ended"


class Prescription(ProgressionRuleFields):
    """A program (one phase of it) given to a patient at a visit. Immutable once saved."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="prescriptions")
    visit = models.ForeignKey(
        "patients.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="prescriptions"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="prescriptions")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="prescriptions")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(max_length=12, choices=PrescriptionStatus.choices, default=PrescriptionStatus.ACTIVE)
    starts_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    gait_cues = models.TextField(blank=True)
    cadence_baseline_spm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(100), MaxValueValidator(240)]
    )
    cadence_target_spm = models.PositiveSmallIntegerField(null=True, blank=True)
    change_reason = models.CharField(max_length=255, blank=True)
    prescribed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prescribed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-prescribed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="active"), name="one_active_prescription_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} for {self.patient} (v{self.version})"

    @property
    def is_active(self) -> bool:
        return self.status == PrescriptionStatus.ACTIVE

    @property
    def sessions_per_week(self) -> int:
        return max((item.days_per_week for item in self.items.all()), default=0)

    @property
    def gait_cue_list(self) -> list[str]:
        return [line.strip() for line in self.gait_cues.splitlines() if line.strip()]


class PrescribedExercise(DosageFields):
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)
    notes = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["prescription", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "exercise"], name="exercise_once_per_prescription")
        ]

    def __str__(self) -> str:
        return f"{self.exercise} ({self.dosage_text})"


class SessionLog(models.Model):
    """One training session the athlete logged against their prescription."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="sessions")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="session_logs")
    performed_on = models.DateField()
    pain_next_morning = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0-10, the morning after."
    )
    note = models.TextField(blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["patient", "-performed_on"])]
        constraints = [
            # Saving a day's session again edits it (services.session_log_create): a double
            # submit, or two tabs, can never store two sessions of one programme on one day.
            models.UniqueConstraint(fields=["prescription", "performed_on"], name="one_session_per_programme_per_day")
        ]

    def __str__(self) -> str:
        return f"Session of {self.patient} on {self.performed_on:%d %b %Y}"

    @property
    def pain_during_max(self) -> int:
        return max((entry.pain_during for entry in self.entries.all()), default=0)


class ExerciseLog(models.Model):
    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(PrescribedExercise, on_delete=models.PROTECT, related_name="logs")
    sets_done = models.PositiveSmallIntegerField(validators=[MaxValueValidator(20)])
    reps_done = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(200)])
    hold_s_done = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(600)])
    load_kg = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    pain_during = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["session", "item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "item"], name="exercise_once_per_session")]

    def __str__(self) -> str:
        return f"{self.item.exercise} on {self.session.performed_on}"


class InactivityReminder(models.Model):
    """An e-mail sent because nothing was logged since ``last_active_on``. One per quiet spell."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="program_reminders")
    last_active_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "last_active_on"], name="one_reminder_per_quiet_spell")
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.patient} (quiet since {self.last_active_on})"


class PainAlertNotice(models.Model):
    """A pain alert (pain_rules) that went out in a clinician's daily digest: one per session and
    kind, so the digest never tells the same alert twice, however often it runs."""

    class Kind(models.TextChoices):
        PAIN_HIGH = "pain_high", "Pain above 5/10"
        PAIN_RISING = "pain_rising", "Pain rising"

    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.CharField(max_length=255)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["session", "kind"], name="one_notice_per_session_alert")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.session_id} sent {self.sent_at:%d %b %Y}"
