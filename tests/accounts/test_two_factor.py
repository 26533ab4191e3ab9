"""Two-factor sign-in for staff (TOTP), its lockout and reset, and API tokens that need a code and expire."""

from __future__ import annotations

import html
import re
from base64 import b32decode
from datetime import datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.api.serializers import CREDENTIALS_REFUSED
from accounts.middleware import OPEN_BEFORE_TWO_FACTOR
from accounts.models import User
from accounts.services import user_deactivate
from audit.models import AuditEvent
from demo.seed import DEMO_TOTP_SECRET, seed_demo
from tests.browser_fixtures import sign_in
from tests.two_factor import authenticator_for, current_code, sign_in_with_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
TWO_FACTOR = "/accounts/two-factor/"


def _password_only(user: User) -> Client:
    """A session past the password but not (yet) past the two-factor step."""
    return _password_only_as(user.username, PASSWORD)


def _password_only_as(username: str, password: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": password}).status_code == 302
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _token(api: APIClient, user: User, **fields: str):
    return api.post(reverse("api:auth-token"), {"username": user.username, "password": PASSWORD, **fields})


def _placeholder(converter: object) -> object:
    """A value each path converter accepts (ids, upload uuids, any text)."""
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-4000-8000-000000000001"
    return "x"


def _page_urls() -> list[tuple[str, str]]:
    """(name, url) of every named route outside the admin, with placeholder arguments."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                if isinstance(entry.pattern, RoutePattern):
                    converters = entry.pattern.converters.items()
                    kwargs = {k: _placeholder(c) for k, c in converters}
                    kwargs.update({"format": "json"} if "format" in kwargs else {})  # DRF's format suffix
                else:  # a regular expression (DRF's routers): "1" fits their groups, "json" their format suffix
                    kwargs = {k: "json" if k == "format" else "1" for k in entry.pattern.regex.groupindex}
                found.append((namespace + entry.name, reverse(namespace + entry.name, kwargs=kwargs)))

    walk(get_resolver().url_patterns, "")
    return found


# --- The gate: unverified staff see nothing ------------------------------------------------


def test_staff_past_only_the_password_are_sent_to_two_factor_from_every_page(clinician, visit_a):
    client = _password_only(clinician)
    checked = 0
    for name, url in [*_page_urls(), ("admin:index", reverse("admin:index"))]:
        if name in OPEN_BEFORE_TWO_FACTOR:
            continue
        response = client.get(url)
        if url.startswith("/fhir/"):  # the FHIR API: a 403 OperationOutcome
            assert response.status_code == 403, url
            assert response.json()["issue"][0]["diagnostics"].startswith("Two-factor sign-in needed"), url
        elif url.startswith("/api/"):
            assert response.status_code == 403, url
            # The schema answers YAML and the docs HTML (tests/security/test_two_factor_api.py reads those).
            if response["Content-Type"].startswith("application/json"):
                assert response.json()["detail"].startswith("Two-factor sign-in needed"), url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith(TWO_FACTOR + "?next="), url
        checked += 1
    assert checked > 60  # every page and API route of the site, not a sample
    assert not AuditEvent.objects.filter(patient_id=visit_a.patient_id).exists()  # nothing was read


def test_the_patient_page_asked_for_is_where_staff_land_after_the_code(clinician, visit_a):
    device = authenticator_for(clinician)
    client = _password_only(clinician)
    detail = reverse("patients:detail", args=[visit_a.patient_id])

    gate = client.get(detail)
    assert gate["Location"] == f"{TWO_FACTOR}?next={detail}"
    page = client.get(gate["Location"])
    assert "Enter your code" in _text(page)

    response = client.post(gate["Location"], {"code": current_code(device)}, follow=True)

    assert response.redirect_chain[-1][0] == detail
    assert visit_a.patient.last_name in _text(response)


def test_api_on_an_unverified_staff_session_is_refused_with_a_clear_403(clinician, athlete_a):
    client = _password_only(clinician)
    for url in ("/api/v1/patients/", f"/api/v1/patients/{athlete_a[1].pk}/", "/api/v1/users/me/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "enter the code from your authenticator app" in response.json()["detail"]
    assert not AuditEvent.objects.exists()


def test_api_on_a_verified_staff_session_answers(clinician, athlete_a):
    client = Client()
    sign_in_with_code(client, clinician)
    response = client.get(f"/api/v1/patients/{athlete_a[1].pk}/")
    assert response.status_code == 200
    assert response.json()["last_name"] == athlete_a[1].last_name


def test_a_token_header_is_judged_by_the_token_not_by_an_unverified_session(api, clinician):
    """Token requests were verified when the token was issued; DRF never falls back to the session."""
    code = current_code(authenticator_for(clinician))
    key = _token(api, clinician, otp_token=code).json()["token"]
    client = _password_only(clinician)

    with_token = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {key}")
    bad_token = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert (with_token.status_code, with_token.json()["username"]) == (200, "clin")
    assert bad_token.status_code == 401
    assert client.get("/api/v1/users/me/").status_code == 403


def test_force_authenticated_api_clients_stand_for_token_clients(api_as, clinician):
    # Tests' force_authenticate has no session: the rule for token clients applies.
    assert api_as(clinician).get("/api/v1/users/me/").json()["role"] == "clinician"


# --- Set-up with a real authenticator code -------------------------------------------------


def test_first_sign_in_sets_up_an_authenticator_with_a_real_code(clinician):
    client = _password_only(clinician)
    assert client.get(reverse("patients:list"))["Location"].startswith(TWO_FACTOR)

    setup = client.get(TWO_FACTOR, follow=True)
    assert setup.redirect_chain[-1][0] == reverse("accounts:two-factor-setup")
    page_html = setup.content.decode()
    assert "<svg" in page_html and "QR code for your authenticator app" in page_html
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page_html).group(1).replace(" ", "")
    code = f"{totp(b32decode(secret)):06d}"  # what an authenticator app computes from the key
    old_key = client.cookies["sessionid"].value

    response = client.post(reverse("accounts:two-factor-setup"), {"code": code}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("today")  # a clinician's landing page
    assert "Two-factor sign-in is set up" in _text(response)
    device = TOTPDevice.objects.get(user=clinician)
    assert device.confirmed and device.bin_key == b32decode(secret)
    assert "otpauth://totp/Stride%20Clinic%3Aclin?secret=" + secret in device.config_url
    assert client.cookies["sessionid"].value != old_key  # a new session id once verified
    assert not Session.objects.filter(session_key=old_key).exists()
    event = AuditEvent.objects.get(target_type="accounts.user", target_id=str(clinician.pk))
    assert (event.actor, event.summary) == (clinician, "Set up two-factor sign-in")


def test_reloading_the_set_up_page_keeps_the_same_key(clinician):
    client = _password_only(clinician)
    first = client.get(reverse("accounts:two-factor-setup")).context["secret"]
    assert client.get(reverse("accounts:two-factor-setup")).context["secret"] == first
    assert TOTPDevice.objects.filter(user=clinician, confirmed=False).count() == 1


def test_set_up_refuses_a_wrong_code(front_desk):
    client = _password_only(front_desk)
    page = client.get(reverse("accounts:two-factor-setup"))
    code = f"{totp(b32decode(page.context['secret'].replace(' ', ''))):06d}"

    response = client.post(reverse("accounts:two-factor-setup"), {"code": _wrong(code)})

    assert response.status_code == 200
    assert "That code didn't match" in _text(response)
    assert not TOTPDevice.objects.filter(user=front_desk, confirmed=True).exists()
    assert client.get(reverse("patients:list"))["Location"].startswith(TWO_FACTOR)


def test_staff_with_an_authenticator_cannot_set_up_another(clinician):
    authenticator_for(clinician)
    client = _password_only(clinician)
    response = client.get(reverse("accounts:two-factor-setup"))
    assert response["Location"] == TWO_FACTOR
    assert TOTPDevice.objects.filter(user=clinician).count() == 1


# --- The code at each sign-in --------------------------------------------------------------


def test_wrong_code_is_refused_and_the_session_stays_unverified(clinician):
    device = authenticator_for(clinician)
    client = _password_only(clinician)

    response = client.post(TWO_FACTOR, {"code": _wrong(current_code(device))})

    assert response.status_code == 200
    assert "That code didn't match. Enter the newest 6-digit code" in _text(response)
    assert client.get(reverse("patients:list"))["Location"].startswith(TWO_FACTOR)


def test_letters_get_their_own_message_and_cost_no_attempt(clinician):
    device = authenticator_for(clinician)
    client = _password_only(clinician)
    response = client.post(TWO_FACTOR, {"code": "12ab56"})
    assert "Enter the 6 digits your authenticator app shows" in _text(response)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_works_once(clinician):
    device = authenticator_for(clinician)
    code = current_code(device)
    laptop, thief = _password_only(clinician), _password_only(clinician)
    assert laptop.post(TWO_FACTOR, {"code": code}).status_code == 302
    response = thief.post(TWO_FACTOR, {"code": code})
    assert "That code didn't match" in _text(response)


def test_wrong_codes_lock_the_step_with_a_clear_message_until_the_wait_is_over(clinician):
    device = authenticator_for(clinician)
    client = _password_only(clinician)
    for _ in range(4):
        client.post(TWO_FACTOR, {"code": _wrong(current_code(device))})
        # Each attempt after the previous wait: the waits are 1, 2, 4 seconds.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=60)
        )
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())

    locked = client.post(TWO_FACTOR, {"code": current_code(device)})  # even the right code

    assert locked.status_code == 429
    page = _text(locked)
    # 8 s after the fourth failure (a slow machine may already have used a second of it).
    assert re.search(r"Too many wrong codes, so codes are paused for this account\. Try again in [78] seconds\.", page)
    assert "ask a clinic admin to reset your two-factor sign-in" in page
    assert client.get(reverse("patients:list"))["Location"].startswith(TWO_FACTOR)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=9))
    assert client.post(TWO_FACTOR, {"code": current_code(device)}).status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200


def test_after_the_code_the_next_page_may_not_leave_the_site(clinician):
    device = authenticator_for(clinician)
    client = _password_only(clinician)
    response = client.post(TWO_FACTOR, {"code": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_athletes_sign_in_with_their_password_alone(client, athlete_a):
    response = client.post(reverse("login"), {"username": athlete_a[0].username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:today")
    assert client.get(reverse("patients:my-record")).status_code == 200
    assert client.get("/api/v1/users/me/").json()["patient_id"] == athlete_a[1].pk
    assert client.get(TWO_FACTOR)["Location"] == reverse("home")
    assert not TOTPDevice.objects.exists()


def test_the_requirement_can_be_switched_off(settings, api, clinician):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = False
    assert _password_only(clinician).get(reverse("patients:list")).status_code == 200
    assert _token(api, clinician).status_code == 200


# --- Reset by an admin ---------------------------------------------------------------------


def test_admin_reset_removes_the_authenticator_and_sends_the_person_to_set_up_again(client, clinician):
    superuser = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    victim = Client()
    sign_in_with_code(victim, clinician)
    assert victim.get(reverse("patients:list")).status_code == 200
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [clinician.pk]},
        follow=True,
    )

    assert "Two-factor sign-in reset for 1 people" in _text(response)
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert victim.get(reverse("patients:list"))["Location"].startswith(TWO_FACTOR)
    assert victim.get(TWO_FACTOR)["Location"] == reverse("accounts:two-factor-setup")
    event = AuditEvent.objects.get(target_id=str(clinician.pk), summary__startswith="Reset two-factor")
    assert (event.actor, event.summary) == (
        superuser,
        "Reset two-factor sign-in; removed 1 authenticator(s), revoked 0 API token(s)",
    )


# --- API tokens: a code for staff, and an expiry -------------------------------------------


def test_staff_token_needs_the_code(api, clinician):
    device = authenticator_for(clinician)

    missing = _token(api, clinician)
    wrong = _token(api, clinician, otp_token=_wrong(current_code(device)))
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    for refused in (missing, wrong):
        assert refused.status_code == 400
        assert refused.json() == {"non_field_errors": [CREDENTIALS_REFUSED]}
    assert not Token.objects.exists()
    issued = _token(api, clinician, otp_token=current_code(device))
    assert issued.status_code == 200
    assert issued.json()["token"] == Token.objects.get(user=clinician).key


def test_a_right_password_without_its_code_is_answered_like_a_wrong_password(api, clinician, front_desk):
    """Issue 18: "code missing" told apart from "wrong credentials" confirmed a guessed password."""
    device = authenticator_for(clinician)
    wrong_password = api.post(reverse("api:auth-token"), {"username": "clin", "password": "not-the-password"})
    unknown_user = api.post(reverse("api:auth-token"), {"username": "nobody", "password": PASSWORD, "otp_token": "1"})
    answers = {
        "right password, no code": _token(api, clinician),
        "right password, empty code": _token(api, clinician, otp_token=""),
        "right password, letters": _token(api, clinician, otp_token="12ab56"),
        "right password, wrong code": _token(api, clinician, otp_token=_wrong(current_code(device))),
        "right password, no authenticator": _token(api, front_desk, otp_token="123456"),
    }
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    answers["right password, codes paused"] = _token(api, clinician, otp_token=current_code(device))
    assert (wrong_password.status_code, wrong_password.json()) == (400, {"non_field_errors": [CREDENTIALS_REFUSED]})
    assert (unknown_user.status_code, unknown_user.json()) == (400, wrong_password.json())
    for case, response in answers.items():
        assert (response.status_code, response.json()) == (400, wrong_password.json()), case
        assert "Retry-After" not in response, case
    assert not Token.objects.exists()


def test_token_code_attempts_are_locked_out_too(api, clinician):
    device = authenticator_for(clinician)
    first = _token(api, clinician, otp_token=_wrong(current_code(device)))
    assert first.status_code == 400
    # As after five wrong codes: the next try waits 16 s.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )

    response = _token(api, clinician, otp_token=current_code(device))

    # Refused like a wrong password: a "codes paused" answer would confirm the password.
    assert (response.status_code, response.json()) == (400, {"non_field_errors": [CREDENTIALS_REFUSED]})
    assert not Token.objects.exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=17))
    assert _token(api, clinician, otp_token=current_code(device)).status_code == 200


def test_athlete_token_needs_no_code_and_says_when_it_expires(settings, api, athlete_a):
    settings.API_TOKEN_TTL_HOURS = 12
    response = _token(api, athlete_a[0])
    assert response.status_code == 200
    token = Token.objects.get(user=athlete_a[0])
    assert response.json() == {"token": token.key, "expires_at": response.json()["expires_at"]}
    expires_at = datetime.fromisoformat(response.json()["expires_at"])
    assert expires_at == token.created + timedelta(hours=12)


def test_expired_token_gets_401_and_a_new_one_is_issued(settings, api, athlete_a):
    settings.API_TOKEN_TTL_HOURS = 12
    old_key = _token(api, athlete_a[0]).json()["token"]
    Token.objects.filter(key=old_key).update(created=timezone.now() - timedelta(hours=11, minutes=59))
    api.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api.get("/api/v1/users/me/").status_code == 200

    Token.objects.filter(key=old_key).update(created=timezone.now() - timedelta(hours=12, seconds=1))
    expired = api.get("/api/v1/users/me/")

    assert expired.status_code == 401
    assert expired.json()["detail"] == "Token expired. Ask for a new one with POST /api/v1/auth/token/."
    api.credentials()
    new_key = _token(api, athlete_a[0]).json()["token"]
    assert new_key != old_key
    assert not Token.objects.filter(key=old_key).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api.get("/api/v1/users/me/").json()["patient_id"] == athlete_a[1].pk


def test_deactivating_a_person_kills_their_tokens(api, clinician, admin_user):
    key = _token(api, clinician, otp_token=current_code(authenticator_for(clinician))).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/patients/").status_code == 200

    user_deactivate(user=clinician, by=admin_user)

    response = api.get("/api/v1/patients/")
    assert response.status_code == 401
    assert not Token.objects.filter(user=clinician).exists()


# --- Demo and browser ----------------------------------------------------------------------


def test_demo_staff_share_the_published_key_and_the_demo_athlete_has_none(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        seed_demo()
        seed_demo()  # seeding again adds no second authenticator
    key = b32decode(DEMO_TOTP_SECRET).hex()
    devices = {device.user.username: device.key == key for device in TOTPDevice.objects.filter(confirmed=True)}
    assert devices == {"clinician": True, "frontdesk": True, "admin": True}
    demo_code = f"{totp(b32decode(DEMO_TOTP_SECRET)):06d}"
    client = _password_only_as("clinician", "demo-clinician-pass")
    assert client.post(TWO_FACTOR, {"code": demo_code}).status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clinician_sets_up_and_uses_two_factor_in_chromium(page, clinician, visit_a):
    csp_errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    page.goto("/accounts/login/")
    page.fill("#id_username", "clin")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_code", f"{totp(b32decode(secret)):06d}")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    assert "Two-factor sign-in is set up" in page.locator("body").inner_text()
    assert csp_errors == []  # the inline SVG QR code and the pages need no inline script or style

    # Signing in again asks for the code only (tests.browser_fixtures.sign_in types it).
    page.context.clear_cookies()
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today
    page.goto("/patients/")
    assert visit_a.patient.last_name in page.locator("table.table").inner_text()
