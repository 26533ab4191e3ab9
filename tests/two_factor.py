"""Test helpers for two-factor sign-in: a confirmed authenticator and the code it shows now."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.two_factor import totp_device_of


def authenticator_for(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device, created (as the set-up page would) if they have none."""
    return totp_device_of(user) or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """What the authenticator app shows now (RFC 6238, via django-otp's own TOTP).

    A code is accepted once: if this time step's code was already used, the next step's is
    returned, which the device accepts too (tolerance of one step).
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_with_code(client: Client, user: User, password: str = "correct-horse-battery") -> None:  # noqa: S107
    """The real sign-in: password on the sign-in page, then the authenticator's code."""
    device = authenticator_for(user)
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, "the password was refused"
    response = client.post(reverse("accounts:two-factor"), {"code": current_code(device)})
    assert response.status_code == 302, "the two-factor code was refused"
