"""Clinician calendars: working hours, exceptions, rooms, appointment types and appointments.

Times are stored as aware UTC datetimes; the clinic's wall clock is ``settings.TIME_ZONE``.
No two live appointments of one clinician (or of one patient) overlap: PostgreSQL enforces it
with exclusion constraints (migration 0003), the booking service does on every database.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class AppointmentType(models.Model):
    name = models.CharField(max_length=80, unique=True)
    default_duration_min = models.PositiveSmallIntegerField(help_text="Length of a booking of this type, in minutes.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.default_duration_min} min)"


class Room(models.Model):
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One block of a clinician's week, in clinic wall-clock time (several blocks per day allowed)."""

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["clinician_id", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="working_hours_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ExceptionReason(models.TextChoices):
    LEAVE = "leave", "Leave"
    HOLIDAY = "holiday", "Public holiday"
    OTHER = "other", "Other"


class CalendarException(models.Model):
    """A time a clinician cannot be booked although it falls in their working hours."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_exceptions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=12, choices=ExceptionReason.choices, default=ExceptionReason.LEAVE)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="calendar_exception_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} {self.get_reason_display()} {self.starts_at:%Y-%m-%d}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "Did not attend"
    COMPLETED = "completed", "Completed"


class Appointment(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    cancel_reason = models.CharField(max_length=255, blank=True)
    # A move books a new appointment and cancels the old one; this link keeps the history.
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="appointments_booked"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_to = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
        ]
        permissions = [
            ("view_any_appointment", "Can see every clinician's calendar"),
            ("keep_calendar", "Has a calendar: can be booked, sees own and own patients' appointments"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type.name} for {self.patient} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed; deleting the row revokes the URL."""

    clinician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.clinician}"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:clinician-feed", args=[self.token])
