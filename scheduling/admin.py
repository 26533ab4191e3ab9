from django.contrib import admin

from scheduling.models import Appointment, AppointmentType, CalendarException, Room, WorkingHours


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "default_duration_min", "is_active"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["clinician", "weekday", "start", "end"]
    list_filter = ["clinician", "weekday"]


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["clinician", "reason", "starts_at", "ends_at", "note"]
    list_filter = ["clinician", "reason"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only here: bookings go through the scheduling pages, which check for clashes."""

    list_display = ["starts_at", "clinician", "patient", "appointment_type", "status", "reminder_sent_at"]
    list_filter = ["status", "clinician", "appointment_type"]
    list_select_related = ["clinician", "patient", "appointment_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
