"""What a person sees when their account is locked after repeated failed sign-ins (django-axes)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse


def lockout_message() -> str:
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)) if settings.AXES_COOLOFF_TIME else 0
    wait = f"Please wait {minutes} minutes and try again" if minutes else "Please contact the clinic to unlock it"
    return (
        f"Too many failed sign-ins for this account, so it is locked for now. {wait}, "
        f"or call {settings.CLINIC_NAME} on {settings.CLINIC_PHONE}."
    )


def retry_after_s() -> str | None:
    return str(int(settings.AXES_COOLOFF_TIME.total_seconds())) if settings.AXES_COOLOFF_TIME else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: JSON for the API, the sign-in page with the reason otherwise.

    The message is the same whether or not the username exists, so it reveals no accounts.
    """
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message()}, status=status)
    else:
        username = (credentials or {}).get("username") or ""
        form = AuthenticationForm(request, initial={"username": username})
        response = TemplateResponse(
            request,
            "registration/login.html",
            {"form": form, "locked_out_message": lockout_message(), "next": request.POST.get("next", "")},
            status=status,
        )
        response.render()
    retry_after = retry_after_s()
    if retry_after:
        response["Retry-After"] = retry_after
    return response
