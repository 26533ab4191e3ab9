"""Two-factor sign-in for staff (TOTP authenticator apps, django-otp): who needs it, set-up,
checking a code, and the admin's reset. Pages: accounts/two_factor_views.py; the gates that
keep unverified staff out: accounts/middleware.py (StaffTwoFactorMiddleware, pages) and
accounts/api/authentication.py (TwoFactorSessionAuthentication, the API)."""

from __future__ import annotations

import math
from base64 import b32encode
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import device_classes
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.api_tokens import api_tokens_revoke
from accounts.models import User
from accounts.roles import Role, role_of
from audit.models import AuditAction
from audit.services import audit_record

DEVICE_NAME = "Authenticator app"
WRONG_CODE = "That code didn't match. Enter the newest 6-digit code from your authenticator app."
MALFORMED_CODE = "Enter the 6 digits your authenticator app shows (no letters)."
TWO_FACTOR_NEEDED = (
    "Two-factor sign-in needed: enter the code from your authenticator app at /accounts/two-factor/ "
    "first, or call the API with a token."
)


def two_factor_required(user: Any) -> bool:
    """Staff (everyone signed in who is not an athlete) pass a TOTP code before seeing any data.

    A person without a role counts as staff: when in doubt, ask for the second factor.
    """
    if not settings.TWO_FACTOR_REQUIRED_FOR_STAFF or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or role_of(user) != Role.ATHLETE


def two_factor_pending(user: Any) -> bool:
    """Signed in with the password but not yet with the code, while the code is required.

    ``is_verified()`` comes from django-otp's OTPMiddleware (the session's device); it is
    asked first because the role costs a query.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    is_verified = getattr(user, "is_verified", None)  # absent where OTPMiddleware did not run: not verified
    if callable(is_verified) and is_verified():
        return False
    return two_factor_required(user)


def totp_device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_enrolment_device(user: User) -> TOTPDevice:
    """The not-yet-confirmed device the set-up page shows.

    The same one until it is confirmed, so reloading the page keeps an already scanned QR code valid.
    """
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (no script, no style: fits the CSP)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#111", light="#fff", title="QR code for your authenticator app"
    )


def _locked_error(locked_until: datetime) -> ValidationError:
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    wait = f"{seconds} second{'s' * (seconds != 1)}" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    message = (
        f"Too many wrong codes, so codes are paused for this account. Try again in {wait}. "
        "If you have lost your phone, ask a clinic admin to reset your two-factor sign-in."
    )
    return ValidationError(message, code="locked", params={"retry_after_s": seconds})


def totp_code_check(*, device: TOTPDevice, code: str | None) -> TOTPDevice:
    """Accept ``code`` if it is the device's current code, once; raise ValidationError otherwise.

    Each wrong code doubles the wait before the next try (django-otp's throttling: 1, 2, 4,
    8 ... seconds), so guessing a 6-digit code is hopeless; the error's code is "locked" while
    the wait lasts. A used code is refused until the next one appears (replay).
    """
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == device.digits):
        # Cannot match, so it costs no attempt; it still gets a specific message.
        raise ValidationError(MALFORMED_CODE, code="malformed")
    error: ValidationError | None = None
    # One transaction so concurrent tries cannot both pass; the error is raised after it commits,
    # so the failure count django-otp just stored is kept.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            error = _locked_error(info["locked_until"])
        elif not device.verify_token(code):
            error = ValidationError(WRONG_CODE, code="wrong")
    if error is not None:
        raise error
    return device


def totp_enrolment_confirm(*, user: User, device: TOTPDevice, code: str | None) -> TOTPDevice:
    """Turn the set-up device into the user's authenticator once they type a code it made."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError("This set-up has expired. Open the two-factor page again.", code="stale")
    # Checked outside the transaction below: a wrong code's failure count must be kept.
    device = totp_code_check(device=device, code=code)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        audit_record(actor=user, action=AuditAction.UPDATE, target=user, summary="Set up two-factor sign-in")
    return device


@transaction.atomic
def two_factor_reset(*, user: User, by: Any) -> int:
    """Remove every authenticator of ``user``: they set up a new one at their next sign-in.

    Their open sessions lose their two-factor check at once (django-otp finds no device), so
    they are sent to set up again. Their API tokens are revoked too: a token was issued against
    the lost authenticator's code, and a lost phone is the case this reset is for.
    """
    removed = 0
    for model in device_classes():
        count, _ = model.objects.filter(user=user).delete()
        removed += count
    tokens_revoked = api_tokens_revoke(user=user)
    audit_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=user,
        summary=f"Reset two-factor sign-in; removed {removed} authenticator(s), revoked {tokens_revoked} API token(s)",
    )
    return removed
