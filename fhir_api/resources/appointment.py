"""Appointment: a booking in a clinician's calendar (schedules are for the front desk too)."""

from __future__ import annotations

from typing import Any

from fhir_api.resources.common import display_only, instant, person_name, reference
from scheduling.models import Appointment, AppointmentStatus

STATUS: dict[str, str] = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
    AppointmentStatus.COMPLETED: "fulfilled",
}


def appointment_resource(appointment: Appointment) -> dict[str, Any]:
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    participants: list[dict[str, Any]] = [
        {"actor": reference("Patient", appointment.patient_id), "required": "required", "status": "accepted"},
        {"actor": display_only(person_name(appointment.clinician)), "required": "required", "status": "accepted"},
    ]
    if appointment.room_id:
        participants.append({"actor": display_only(appointment.room.name), "status": "accepted"})  # type: ignore[union-attr]  # room_id checked
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "status": STATUS.get(appointment.status, "booked"),
        "appointmentType": {"text": appointment.appointment_type.name},
        "description": appointment.appointment_type.name,
        "start": instant(appointment.starts_at),
        "end": instant(appointment.ends_at),
        "minutesDuration": max(minutes, 1),
        "created": appointment.created_at.date().isoformat(),
        "participant": participants,
    }
    if appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason:
        resource["cancelationReason"] = {"text": appointment.cancel_reason}
    return resource
