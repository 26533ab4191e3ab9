"""GET /fhir/r4/metadata: public, R4, and exactly the resources and search parameters served."""

from __future__ import annotations

import pytest

from fhir_api.selectors.registry import KINDS
from tests.fhir.conftest import FhirClient

pytestmark = pytest.mark.django_db

EXPECTED_SEARCH = {
    "Patient": {"_id", "name", "family", "given", "birthdate", "identifier"},
    "Encounter": {"_id", "patient", "subject", "date"},
    "Observation": {"_id", "patient", "subject", "encounter", "date", "code"},
    "Media": {"_id", "patient", "subject", "encounter"},
    "DocumentReference": {"_id", "patient", "subject", "encounter"},
    "CarePlan": {"_id", "patient", "subject"},
    "Appointment": {"_id", "patient", "date"},
    "Consent": {"_id", "patient"},
}


def test_anyone_reads_the_capability_statement_without_signing_in():
    response, body = FhirClient().get("metadata")
    assert response.status_code == 200
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    assert body["format"] == ["json"]
    assert body["implementation"]["url"] == "http://testserver/fhir/r4"


def test_capability_statement_lists_exactly_the_resources_interactions_and_search_params_served():
    _, body = FhirClient().get("metadata")
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == set(EXPECTED_SEARCH) == set(KINDS)
    for name, resource in resources.items():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"], name
        assert {p["name"] for p in resource["searchParam"]} == EXPECTED_SEARCH[name], name
    assert resources["Patient"]["operation"] == [
        {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
    ]
    assert "operation" not in resources["Observation"]


@pytest.mark.parametrize("fmt", ["json", "application/json", "application/fhir+json"])
def test_format_json_is_accepted(fmt):
    response, body = FhirClient().get("metadata", {"_format": fmt})
    assert response.status_code == 200
    assert body["resourceType"] == "CapabilityStatement"


def test_xml_is_refused_with_an_operation_outcome():
    response, body = FhirClient().get("metadata", {"_format": "xml"})
    assert response.status_code == 406
    assert body["issue"][0]["code"] == "not-supported"
    assert "_format=json" in body["issue"][0]["diagnostics"]
    response, body = FhirClient().get("metadata", HTTP_ACCEPT="application/fhir+xml")
    assert response.status_code == 406
    assert body["resourceType"] == "OperationOutcome"


def test_a_browser_accept_header_gets_fhir_json():
    response, _ = FhirClient().get("metadata", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"


def test_an_unknown_path_is_a_fhir_404():
    response, body = FhirClient().get("Condition/1")
    assert response.status_code == 404
    assert body["issue"][0]["code"] == "not-found"
    assert "Condition/1" in body["issue"][0]["diagnostics"]


def test_writes_are_not_supported(clinician, athlete_a):
    client = FhirClient(clinician)
    response = client.api.post(f"/fhir/r4/Patient/{athlete_a[1].pk}", {}, format="json")
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["code"] == "not-supported"


def test_the_sites_openapi_schema_leaves_fhir_to_its_own_metadata(api_as, clinician):
    schema = api_as(clinician).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/patients/" in schema
    assert "/fhir/" not in schema
