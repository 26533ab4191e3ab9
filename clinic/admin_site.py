"""The Django admin site of the clinic: Django's, with its sign-in page rate-limited like the site's.

Installed in place of ``django.contrib.admin`` (Django's documented way to override the default
site), so every ``@admin.register`` of the apps lands here unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from clinic.ratelimit import SIGN_IN_FAILURES_PER_IP, too_many_requests


class ClinicAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Failed admin sign-ins count with the sign-in page's (accounts.views.SignInView), per address."""
        if request.method != "POST":
            return super().login(request, extra_context)
        wait_s = SIGN_IN_FAILURES_PER_IP.full(request)
        if wait_s is not None:
            return too_many_requests(request, SIGN_IN_FAILURES_PER_IP, wait_s)
        response = super().login(request, extra_context)
        if response.status_code == 200:  # the form again, with its error: a failed sign-in
            SIGN_IN_FAILURES_PER_IP.hit(request)
        return response


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
