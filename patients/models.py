"""Patients (athletes), their complaints and intake signs, and their visits."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from clinic.validators import validate_single_line

# One-line fields refuse line breaks and control characters (they end up in calendar lines).
ONE_LINE = [validate_single_line]


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNDISCLOSED = "undisclosed", "Prefer not to say"


class Patient(models.Model):
    """An athlete the clinic treats. Demographics are for all staff; the rest is clinical."""

    first_name = models.CharField(max_length=100, validators=ONE_LINE)
    last_name = models.CharField(max_length=100, validators=ONE_LINE)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.UNDISCLOSED)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=ONE_LINE)
    address = models.CharField(max_length=255, blank=True, validators=ONE_LINE)
    emergency_contact_name = models.CharField(max_length=200, blank=True, validators=ONE_LINE)
    emergency_contact_phone = models.CharField(max_length=32, blank=True, validators=ONE_LINE)
    referring_doctor = models.CharField(max_length=200, blank=True, validators=ONE_LINE)

    # Running profile
    weekly_distance_km = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(400)])
    years_running = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(80)])
    goal_event = models.CharField(max_length=200, blank=True, validators=ONE_LINE)
    shoes = models.CharField(max_length=200, blank=True, validators=ONE_LINE)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        help_text="The athlete's portal account, if invited.",
    )
    is_active = models.BooleanField(default=True)
    # While set, the record may not be erased (patients.erasure): a claim, a complaint or a
    # regulator's request that needs the record as it is. Set and cleared by an admin.
    legal_hold = models.BooleanField(
        default=False, help_text="While set, the patient's data cannot be erased (a claim or an inquiry)."
    )
    legal_hold_reason = models.CharField(max_length=255, blank=True, validators=ONE_LINE)
    # Set when an admin erased the personal data (patients.erasure); the row stays as the
    # anchor of the audit tombstone and of the numbers kept.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        permissions = [
            ("view_any_patient", "Can see every patient, not only their own record"),
            ("view_clinical_record", "Can see complaints, intake signs and visit notes"),
            ("erase_patient", "Can erase a patient's personal data and media"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Condition(models.TextChoices):
    """The conditions the clinic sees most."""

    ITB_SYNDROME = "itb_syndrome", "ITB syndrome"
    RUNNERS_KNEE = "runners_knee", "Runner's knee (patellofemoral pain)"
    PATELLAR_TENDINOPATHY = "patellar_tendinopathy", "Patellar tendinopathy"
    POSTERIOR_TIBIALIS = "posterior_tibialis", "Posterior tibialis dysfunction"
    PLANTAR_FASCIITIS = "plantar_fasciitis", "Plantar fasciitis"
    LOW_BACK = "low_back", "Low back pain"
    HIP = "hip", "Hip pain"
    HAMSTRING = "hamstring", "Hamstring"
    GROIN = "groin", "Groin"
    ANKLE = "ankle", "Ankle"
    FOOT = "foot", "Foot"
    OTHER = "other", "Other"


class BodyRegion(models.TextChoices):
    LOW_BACK = "low_back", "Low back"
    HIP = "hip", "Hip"
    GROIN = "groin", "Groin"
    THIGH = "thigh", "Thigh"
    KNEE = "knee", "Knee"
    LOWER_LEG = "lower_leg", "Lower leg"
    ANKLE = "ankle", "Ankle"
    FOOT = "foot", "Foot"


class BodySide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"
    NA = "na", "Not applicable"


class Complaint(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="complaints")
    condition = models.CharField(max_length=32, choices=Condition.choices)
    body_region = models.CharField(max_length=16, choices=BodyRegion.choices)
    side = models.CharField(max_length=8, choices=BodySide.choices, default=BodySide.NA)
    onset_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    is_resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_resolved", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} ({self.get_side_display().lower()})"


class Intake(models.Model):
    """Signs noted at the first visit that point to frontal-plane control at the hip."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake")
    inner_leg_scuffs = models.BooleanField(
        "scuffs or mud on the inner lower legs",
        default=False,
        help_text="A sign of crossover running: the feet land across the midline.",
    )
    knees_cave_on_single_leg_squat = models.BooleanField("knee moves inwards on a single-leg squat", default=False)
    pelvis_drops_on_single_leg_stance = models.BooleanField(
        "pelvis drops on single-leg stance (Trendelenburg sign)", default=False
    )
    uneven_shoe_wear = models.BooleanField("uneven shoe wear", default=False)
    recent_training_change = models.BooleanField("recent change in training load", default=False)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Intake of {self.patient}"


class Visit(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="visits")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_led")
    visit_date = models.DateField()
    subjective = models.TextField(blank=True, help_text="What the athlete reports.")
    objective = models.TextField(blank=True, help_text="What the clinician observed and measured.")
    plan = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-visit_date", "-id"]
        indexes = [models.Index(fields=["patient", "-visit_date"])]

    def __str__(self) -> str:
        return f"{self.patient} on {self.visit_date:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("patients:visit-detail", args=[self.patient_id, self.pk])


class VideoConsent(models.Model):
    """A patient's consent to be filmed, to have the video analysed and to have it used in reports.

    One row per consent given; a withdrawal marks the row (who, when) and never deletes it, so the
    history stays. The wording lives in patients/consent_wording.py under ``wording_version``.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="video_consents")
    film_and_analyse = models.BooleanField("to be filmed and have the video analysed")
    use_in_reports = models.BooleanField("to have keyframes and results used in reports")
    wording_version = models.CharField(max_length=32)
    how_given = models.CharField(
        max_length=16,
        choices=[("in_person", "In person, at intake"), ("paper", "On a paper form")],
        default="in_person",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The label survives the user's deletion (as in the audit trail).
    recorded_by_label = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_by_label = models.CharField(max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=255, blank=True, validators=ONE_LINE)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["patient", "-recorded_at"])]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "given"
        return f"Video consent of patient {self.patient_id}, {state} ({self.wording_version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
