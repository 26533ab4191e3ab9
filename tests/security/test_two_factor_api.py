"""A staff session past only the password reaches no API route, whatever Authorization header
comes with it (issue 18, row 1): the two-factor rule is decided by what DRF authenticated.

Headers are sent as a WSGI server hands them to Django: the bytes on the wire decoded as
ISO-8859-1 (PEP 3333), so a client's UTF-8 U+2003 arrives as three Latin-1 characters, and a
byte 0xA0 or 0x85 arrives as U+00A0 or U+0085 (both Unicode whitespace to ``str.split``).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from accounts.api.authentication import TwoFactorSessionAuthentication
from accounts.two_factor import TWO_FACTOR_NEEDED
from tests.security.access_table import ALLOW, ROUTES
from tests.security.test_access_matrix import url_of, url_patterns
from tests.two_factor import authenticator_for, current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def _wire(value: str) -> str:
    """``value`` as a WSGI server presents it: sent as UTF-8 where Latin-1 cannot carry it."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


MALFORMED_AUTHORIZATION = {
    "none": None,
    "nbsp": "Token\u00a0x",  # the probe's header: a byte 0xA0
    "nbsp-utf8": "Token\u00a0x".encode().decode("latin-1"),
    "nel": "Token\u0085x",
    "em-space": _wire("Token\u2003x"),
    "tab": "Token\tx",
    "nbsp-tab": "Token\u00a0\tx",
    "scheme-alone": "Token",
    "scheme-alone-nbsp": "Token\u00a0",
    "empty-scheme": " x",
    "unknown-scheme": "Bearer x",
    "basic": "Basic Y2xpbjpjb3JyZWN0LWhvcnNlLWJhdHRlcnk=",
    "two-values": "Token x,Token y",  # gunicorn joins repeated headers with a comma
    "two-values-nbsp": "Token\u00a0x, Token\u00a0y",
    "lowercase": "token x",
    "empty": "",
}


def _api_cases() -> list[tuple[str, str]]:
    """Every API route and method that needs a signed-in user (public ones, like FHIR's capability
    statement, answer anyone by design)."""
    return [
        (name, method)
        for name, route in ROUTES.items()
        if route.kind == "api"
        for method, rule in route.methods.items()
        if rule["anonymous"] != ALLOW
    ]


def _password_only(user: Any) -> Client:
    """The real sign-in page, password only: the session has not passed the two-factor step."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("patients:list"))["Location"].startswith(reverse("accounts:two-factor"))
    return client


def _request(client: Client, method: str, url: str, authorization: str | None) -> Any:
    headers: dict[str, Any] = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    if method == "GET":
        return client.get(url, **headers)
    return getattr(client, method.lower())(url, {}, content_type="application/json", **headers)


def _detail(response: Any) -> str | None:
    """The refusal's reason: JSON from the API, YAML from the schema, none on the docs' HTML page."""
    content_type = response["Content-Type"]
    if content_type.startswith("application/json"):
        return response.json()["detail"]
    if content_type.startswith("application/vnd.oai.openapi"):
        detail = yaml.safe_load(response.content)["detail"]  # DRF's ErrorDetail as YAML: string and code
        return detail["string"] if isinstance(detail, dict) else detail
    return None


@pytest.fixture
def staff(front_desk, clinician, admin_user):
    return {"front_desk": front_desk, "clinician": clinician, "admin": admin_user}


@pytest.mark.parametrize("role", ["front_desk", "clinician", "admin"])
def test_no_api_route_answers_an_unverified_staff_session_whatever_the_authorization_header(
    role, staff, world, athlete_a
):
    user = staff[role]
    authenticator_for(user)  # set up, not entered: the real state of a stolen password
    client = _password_only(user)
    leaks: list[str] = []
    other_refusals: list[str] = []
    checked = 0
    for name, method in _api_cases():
        if name == "api:auth-token":
            continue  # credentials in the body: no session is consulted (tested below)
        url = url_of(name, ROUTES[name], world)
        for label, authorization in MALFORMED_AUTHORIZATION.items():
            response = _request(client, method, url, authorization)
            checked += 1
            if 200 <= response.status_code < 300 or response.status_code >= 500:
                leaks.append(f"{method} {url} [{label}]: {response.status_code}")
            elif response.status_code == 403 and _detail(response) not in (TWO_FACTOR_NEEDED, None):
                other_refusals.append(f"{method} {url} [{label}]: {_detail(response)}")
    assert checked > 500  # every API route and method, not a sample
    assert leaks == [], f"{len(leaks)} answers to an unverified {role} session:\n" + "\n".join(leaks[:40])
    # A refusal for the role's rights would mean the session was let in first.
    assert other_refusals == [], "\n".join(other_refusals[:40])


def test_the_token_endpoint_ignores_an_unverified_session_and_malformed_headers(clinician):
    client = _password_only(clinician)
    for label, authorization in MALFORMED_AUTHORIZATION.items():
        response = _request(client, "POST", reverse("api:auth-token"), authorization)
        assert response.status_code == 400, label  # no credentials in the body: no token
        assert "token" not in response.json(), label


def test_a_valid_token_answers_beside_an_unverified_session_cookie(clinician, athlete_a):
    client = _password_only(clinician)
    issued = client.post(
        reverse("api:auth-token"),
        {"username": clinician.username, "password": PASSWORD, "otp_token": current_code(authenticator_for(clinician))},
    )
    key = issued.json()["token"]

    response = client.get(f"/api/v1/patients/{athlete_a[1].pk}/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json()["last_name"] == athlete_a[1].last_name
    assert client.get(f"/api/v1/patients/{athlete_a[1].pk}/").status_code == 403  # the cookie alone


def test_a_verified_staff_session_still_reads_the_api_with_any_header(client, clinician, athlete_a):
    client.force_login(clinician)  # tests/conftest.py: password and code
    response = client.get(f"/api/v1/patients/{athlete_a[1].pk}/", HTTP_AUTHORIZATION="Token\u00a0x")
    assert response.status_code == 200
    assert response.json()["last_name"] == athlete_a[1].last_name


def _drf_view(entry: URLPattern) -> type[APIView] | None:
    view = getattr(entry.callback, "cls", None)
    return view if isinstance(view, type) and issubclass(view, APIView) else None


def test_every_api_route_is_a_drf_view_whose_session_check_asks_for_two_factor():
    """The middleware leaves DRF views to DRF: each must use the two-factor session check."""
    api_routes = [(key, pattern, entry) for key, pattern, entry in url_patterns() if pattern.startswith("api/")]
    assert len(api_routes) > 30
    not_drf = [key for key, _, entry in api_routes if _drf_view(entry) is None]
    assert not_drf == [], f"/api/ routes that are not DRF views: {not_drf}"
    plain_session = sorted(
        {
            key
            for key, _, entry in url_patterns()
            if (view := _drf_view(entry)) is not None
            for auth in view.authentication_classes
            if issubclass(auth, SessionAuthentication) and not issubclass(auth, TwoFactorSessionAuthentication)
        }
    )
    assert plain_session == [], f"DRF views that accept a session without the two-factor check: {plain_session}"


def test_the_schema_describes_the_two_factor_session_as_the_cookie_without_warnings(tmp_path):
    """drf-spectacular warns about an authenticator it cannot describe; the deploy check fails on it."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert schema["components"]["securitySchemes"]["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
    }
    assert {"cookieAuth": []} in schema["paths"]["/api/v1/patients/"]["get"]["security"]
