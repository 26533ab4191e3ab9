"""Account pages: the landing redirect by role and accepting an invitation."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy

from accounts.roles import Role, role_of
from audit.models import AuditAction
from audit.services import audit_record


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) == Role.ATHLETE:
        return redirect("portal:today")
    return redirect("patients:list")


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: the athlete chooses a password, then signs in."""

    template_name = "accounts/invite_accept.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        patient = getattr(form.user, "patient", None)
        audit_record(
            actor=form.user, action=AuditAction.UPDATE, target=form.user,
            patient_id=patient.pk if patient else None, summary="Accepted the portal invitation: password set",
        )  # fmt: skip
        messages.success(self.request, "Your password is set. Sign in to see your programme.")
        return response
