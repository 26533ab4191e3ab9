"""Patient/$everything as data: every resource of one patient that a reader's role may read.
Served by views.EverythingView, and written into the data export's zip (exports.build)."""

from __future__ import annotations

from typing import Any

from fhir_api.selectors.base import Reader
from fhir_api.selectors.registry import KINDS


def patient_everything(reader: Reader, resource_id: str) -> list[dict[str, Any]] | None:
    """The Patient first, then each readable type's resources; None when the patient is not the
    reader's to see. The caller checks the reader may read Patient at all."""
    found = KINDS["Patient"].read(reader, resource_id)
    if found is None:
        return None
    patient_id = found.patient_id or 0
    resources = [found.resource]
    for kind in KINDS.values():
        if kind.type != "Patient" and kind.can_read(reader.user):
            resources.extend(kind.of_patient(reader, patient_id))
    return resources
