"""Template context shared by every page: the clinic's name and the user's role."""

from django.conf import settings
from django.http import HttpRequest

from accounts.roles import role_of


def clinic(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "user_role": role_of(user) if user is not None and user.is_authenticated else None,
    }
