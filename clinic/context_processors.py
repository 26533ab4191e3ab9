"""Template context shared by every page: the clinic's name and phone (the user's role comes
from accounts.context_processors, since clinic/ imports no app)."""

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {"clinic_name": settings.CLINIC_NAME, "clinic_phone": settings.CLINIC_PHONE}
