"""The FHIR API as a client sees it: token sign-in, and every body parsed by the fhir.resources
R4 models (a validation error fails the test), so nothing the server emits goes unchecked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from fhir.resources import construct_fhir_element
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_issue
from tests.security.access_world import World

BASE = "/fhir/r4"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # DRF's throttles count per user id in the cache; ids repeat across tests


def validated(body: dict[str, Any]) -> Any:
    """The body as an R4 model; raises (fails the test) on anything R4 does not allow."""
    return construct_fhir_element(body["resourceType"], body)


class FhirClient:
    def __init__(self, user: Any = None) -> None:
        self.api = APIClient()
        if user is not None:
            self.api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> tuple[Any, dict[str, Any]]:
        """(response, JSON body): the body has been validated as R4 and the media type checked."""
        response = self.api.get(f"{BASE}/{path}", params or {}, **headers)
        assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
        body = response.json()
        validated(body)
        return response, body


@pytest.fixture
def fhir_as():
    return FhirClient


@pytest.fixture
def world(athlete_a, athlete_b, front_desk, clinician):
    users = {"athlete_a": athlete_a[0], "athlete_b": athlete_b[0], "front_desk": front_desk, "clinician": clinician}
    return World(users=users, patients={"athlete_a": athlete_a[1], "athlete_b": athlete_b[1]})


def resource_types(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in bundle.get("entry", [])]


def ids(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]
