"""Template tags other apps' pages use to show scheduling data (the patient record page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from scheduling import selectors

register = template.Library()


@register.inclusion_tag("scheduling/_upcoming.html", takes_context=True)
def upcoming_appointments(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    user = context["request"].user
    return {
        "patient": patient,
        "appointments": list(selectors.upcoming_for_patient(user=user, patient=patient)[:10]),
        "can_book": user.has_perm("scheduling.add_appointment"),
        "can_open": user.has_perm("scheduling.change_appointment"),
        "clinic_phone": settings.CLINIC_PHONE,
        "perms": context.get("perms"),
        "show": user.has_perm("scheduling.view_appointment"),
    }
