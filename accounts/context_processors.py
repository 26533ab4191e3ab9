"""Template context shared by every page: the signed-in user's role (menus and buttons follow it)."""

from django.http import HttpRequest

from accounts.roles import role_of


def role(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {"user_role": role_of(user) if user is not None and user.is_authenticated else None}
