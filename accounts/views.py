"""Account pages: the landing by role (the clinician's "Today"), sign-in and password reset
(rate-limited), accepting an invitation."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator

from accounts.roles import Role, role_of
from accounts.selectors import today_overview
from audit.models import AuditAction
from audit.services import audit_record
from clinic.ratelimit import (
    PASSWORD_RESET_PER_ADDRESS,
    PASSWORD_RESET_PER_IP,
    SIGN_IN_FAILURES_PER_IP,
    rate_limited,
    too_many_requests,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    if role == Role.ATHLETE:
        return redirect("portal:today")
    if role == Role.FRONT_DESK:
        return redirect("scheduling:calendar")  # today's schedule: its default day is today
    if _sees_today(request.user):
        return redirect("today")
    return redirect("patients:list")


def _sees_today(user: object) -> bool:
    # Clinical data across patients: clinicians and admins (athletes hold view_clinical_record
    # for their own record only, the front desk has no clinical data).
    return bool(user.has_perm("patients.view_any_patient") and user.has_perm("patients.view_clinical_record"))  # type: ignore[attr-defined]


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The clinician's landing: today's appointments, new results, open pain alerts, quiet athletes."""
    if not _sees_today(request.user):
        raise PermissionDenied
    overview = today_overview(user=request.user, today=timezone.localdate(), now=timezone.now())
    return render(request, "accounts/today.html", {"overview": overview})


class SignInView(auth_views.LoginView):
    """Django's sign-in page; failed sign-ins from one address, whatever the username, are limited.

    django-axes locks an account after its own failures; trying a few passwords on each of many
    accounts from one address is what this limit stops. Only failures count.
    """

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        wait_s = SIGN_IN_FAILURES_PER_IP.full(request)
        if wait_s is not None:
            return too_many_requests(request, SIGN_IN_FAILURES_PER_IP, wait_s)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        SIGN_IN_FAILURES_PER_IP.hit(self.request)
        return super().form_invalid(form)


@method_decorator(rate_limited(PASSWORD_RESET_PER_IP, PASSWORD_RESET_PER_ADDRESS), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset page; requests per address and per e-mail address are limited."""


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: the athlete chooses a password, then signs in."""

    template_name = "accounts/invite_accept.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        patient = getattr(form.user, "patient", None)
        audit_record(
            actor=form.user,
            action=AuditAction.UPDATE,
            target=form.user,
            patient_id=patient.pk if patient else None,
            summary="Accepted the portal invitation: password set",
        )
        messages.success(self.request, "Your password is set. Sign in to see your programme.")
        return response
