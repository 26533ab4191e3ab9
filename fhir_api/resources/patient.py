"""Patient: the athlete's demographics (all staff may read them; no running profile or notes)."""

from __future__ import annotations

from typing import Any

from fhir_api.resources.common import CONTACT_ROLE, PATIENT_ID_SYSTEM, concept, display_only
from patients.models import Patient, Sex

# FHIR R4 AdministrativeGender has male | female | other | unknown.
GENDER: dict[str, str] = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.INTERSEX: "other", Sex.UNDISCLOSED: "unknown"}


def patient_identifier(patient_id: int) -> dict[str, str]:
    return {"use": "usual", "system": PATIENT_ID_SYSTEM, "value": str(patient_id)}


def patient_resource(patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [patient_identifier(patient.pk)],
        "active": patient.is_active,
        "name": [
            {
                "use": "official",
                "text": patient.full_name,
                "family": patient.last_name,
                "given": [patient.first_name],
            }
        ],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.address:
        resource["address"] = [{"text": patient.address}]
    if patient.emergency_contact_name or patient.emergency_contact_phone:
        contact: dict[str, Any] = {"relationship": [concept(CONTACT_ROLE, "C", "Emergency Contact")]}
        if patient.emergency_contact_name:
            contact["name"] = {"text": patient.emergency_contact_name}
        if patient.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
        resource["contact"] = [contact]
    if patient.referring_doctor:
        # The referring doctor is a name in a text field, not a Practitioner this server serves.
        resource["generalPractitioner"] = [display_only(patient.referring_doctor)]
    return resource
