"""HTTP hardening: Content-Security-Policy, framing, sniffing, HTTPS, Host and CSRF checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def _csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def _main_pages(clinician, visit_a):
    patient = visit_a.patient
    return [
        (None, reverse("login"), "Sign in"),
        (clinician, reverse("patients:list"), patient.last_name),
        (clinician, reverse("patients:detail", args=[patient.pk]), patient.last_name),
        (clinician, reverse("patients:visit-detail", args=[patient.pk, visit_a.pk]), visit_a.plan),
    ]


def test_main_pages_send_a_csp_without_unsafe_inline(client, clinician, visit_a):
    for user, url, expected_text in _main_pages(clinician, visit_a):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected_text in response.content.decode(), url
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header, url
        assert "unsafe-eval" not in header, url
        directives = _csp_directives(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]


def test_api_responses_carry_the_csp_too(api_as, clinician):
    response = api_as(clinician).get("/api/v1/users/me/")
    assert response.json()["username"] == "clin"
    assert _csp_directives(response)["default-src"] == ["'self'"]


def test_api_docs_page_loads_its_script_from_a_url_not_inline(client, clinician, tmp_path):
    from tests.security.csp_lint import template_violations

    client.force_login(clinician)
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert "swagger-ui" in html
    page = tmp_path / "docs.html"
    page.write_text(html)
    assert [str(v) for v in template_violations(page)] == []
    script = client.get(reverse("api-docs") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_pages_refuse_framing_and_content_sniffing(client, clinician):
    client.force_login(clinician)
    response = client.get(reverse("patients:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_unknown_host_gets_400(client):
    response = client.get(reverse("login"), HTTP_HOST="evil.example.com")
    assert response.status_code == 400


def test_known_host_is_served(client):
    assert client.get(reverse("login"), HTTP_HOST="localhost").status_code == 200


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
def test_under_https_plain_http_is_redirected_and_hsts_and_secure_cookies_are_sent(clinician):
    client = Client()
    redirect = client.get(reverse("login"))
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://testserver" + reverse("login")

    page = client.get(reverse("login"), secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf_cookie = page.cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["samesite"] == "Lax"

    signed_in = client.post(
        reverse("login"),
        {"username": "clin", "password": "correct-horse-battery", "csrfmiddlewaretoken": csrf_cookie.value},
        secure=True,
    )
    assert signed_in.status_code == 302
    session_cookie = signed_in.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"


def _deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(60), "DEBUG": "false", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        # --tag security: Django's, django-axes' and django-csp's deployment checks.
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", "--tag", "security"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _deploy_check(HTTPS="true", ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_catches_a_site_served_without_https():
    result = _deploy_check(HTTPS="false", ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode != 0
    for missing in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert missing in result.stderr, missing


PATIENT = {"first_name": "Cat", "last_name": "Csrf", "date_of_birth": "1990-01-01"}


def test_api_write_on_a_session_without_a_csrf_token_is_refused(clinician):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(clinician)
    response = api.post("/api/v1/patients/", PATIENT, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Patient.objects.filter(last_name="Csrf").exists()


def test_api_write_on_a_session_with_the_csrf_token_is_accepted(clinician):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(clinician)
    api.get(reverse("login"))  # any page with a form hands out the CSRF cookie
    token = api.cookies["csrftoken"].value
    response = api.post("/api/v1/patients/", PATIENT, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Patient.objects.get(last_name="Csrf").first_name == "Cat"


def test_api_write_with_a_token_needs_no_csrf_token(clinician):
    from rest_framework.authtoken.models import Token

    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clinician).key}")
    response = api.post("/api/v1/patients/", PATIENT, format="json")
    assert response.status_code == 201
    assert Patient.objects.get(last_name="Csrf").first_name == "Cat"


def test_page_form_without_a_csrf_token_is_refused(clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = client.post(reverse("patients:create"), {**PATIENT})
    assert response.status_code == 403
    assert not Patient.objects.filter(last_name="Csrf").exists()


def _settings_from_env(code: str, **env: str) -> str:
    environment = {**os.environ, **env}
    environment["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    script = f"import django; django.setup(); from django.conf import settings; print({code})"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_csp_report_only_switch_moves_the_policy_to_the_report_only_header():
    probe = "hasattr(settings, 'CONTENT_SECURITY_POLICY'), settings.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']['report-uri']"
    assert _settings_from_env(probe, CSP_REPORT_ONLY="true", CSP_REPORT_URI="https://r.example/csp") == (
        "False ['https://r.example/csp']"
    )


def test_security_knobs_come_from_the_environment():
    probe = "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(), settings.SESSION_ABSOLUTE_LIFETIME, settings.PASSWORD_MAX_LENGTH"
    env = {
        "AXES_FAILURE_LIMIT": "7",
        "AXES_COOLOFF_MINUTES": "30",
        "SESSION_ABSOLUTE_LIFETIME": "3600",
        "PASSWORD_MAX_LENGTH": "256",
    }
    assert _settings_from_env(probe, **env) == "7 1800.0 3600 256"
