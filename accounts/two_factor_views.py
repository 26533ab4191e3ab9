"""Two-factor pages: set up an authenticator app (QR code + key), then enter its code at
each sign-in. Rules and checks: accounts/two_factor.py."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import TotpCodeForm
from accounts.two_factor import (
    totp_code_check,
    totp_device_of,
    totp_enrolment_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    totp_secret,
    two_factor_required,
)


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    # A path, not a bare word: redirect() would take "2026-02-30" for a URL name and fail (a 500).
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


def _with_next(url_name: str, request: HttpRequest) -> HttpResponse:
    url = reverse(url_name)
    if next_url := request.GET.get("next"):
        url += "?" + urlencode({"next": next_url})
    return redirect(url)


def _two_factor_sign_in(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark the session as verified by ``device`` and give it a new id (a raised privilege)."""
    django_otp.login(request, device)
    request.session.cycle_key()


def _code_error_status(error: ValidationError) -> int:
    return 429 if error.code == "locked" else 200


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code asked at every sign-in, for staff who have set up their app."""
    if not two_factor_required(request.user) or request.user.is_verified():  # type: ignore[union-attr]  # login_required
        return redirect(_next_url(request))
    device = totp_device_of(request.user)  # type: ignore[arg-type]  # login_required
    if device is None:
        return _with_next("accounts:two-factor-setup", request)
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_code_check(device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            status = _code_error_status(error)
        else:
            _two_factor_sign_in(request, device)
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=status)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff member: scan the QR code (or type the key), confirm with a code."""
    if not two_factor_required(request.user) or request.user.is_verified():  # type: ignore[union-attr]  # login_required
        return redirect(_next_url(request))
    if totp_device_of(request.user) is not None:  # type: ignore[arg-type]  # login_required
        # One authenticator per person; a new phone goes through an admin's reset.
        return _with_next("accounts:two-factor", request)
    device = totp_enrolment_device(request.user)  # type: ignore[arg-type]  # login_required
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_enrolment_confirm(user=request.user, device=device, code=form.cleaned_data["code"])  # type: ignore[arg-type]  # login_required
        except ValidationError as error:
            form.add_error("code", error)
            status = _code_error_status(error)
        else:
            _two_factor_sign_in(request, device)
            messages.success(
                request, "Two-factor sign-in is set up. You will enter a code from your app at each sign-in."
            )
            return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)
