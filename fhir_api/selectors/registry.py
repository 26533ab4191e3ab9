"""Every resource type the server answers, in the order the CapabilityStatement lists them."""

from __future__ import annotations

from fhir_api.selectors import (
    appointments,
    care_plans,
    consents,
    documents,
    encounters,
    media,
    observations,
    patients,
)
from fhir_api.selectors.base import Kind

KINDS: dict[str, Kind] = {
    kind.type: kind
    for kind in (
        patients.KIND,
        encounters.KIND,
        observations.KIND,
        media.KIND,
        documents.KIND,
        care_plans.KIND,
        appointments.KIND,
        consents.KIND,
    )
}
