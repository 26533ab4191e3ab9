"""Accounts: creating staff and athletes, invitation links, and locking a person out.

Inviting a patient to the portal is a patients service (patients.services.athlete_invite): it
reads the patient record, and accounts imports nothing from patients.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.api_tokens import api_tokens_revoke
from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from audit.models import AuditAction
from audit.services import audit_record


def user_create(
    *,
    username: str,
    email: str,
    role: Role,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User(username=username, email=email.lower(), first_name=first_name, last_name=last_name)
    user.is_staff = role == Role.ADMIN  # the Django admin is for clinic admins only
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    return user


def invitation_link(user: User) -> str:
    """A one-time link to set a password: the token is void once the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:invite-accept", args=[uid, token])


def user_session_keys(user: User) -> list[str]:
    """Keys of the unexpired server-side sessions signed in as ``user`` (database-backed sessions)."""
    user_id = str(user.pk)
    return [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]


@transaction.atomic
def user_deactivate(*, user: User, by: Any) -> User:
    """Lock a person out now: no new sign-in, and every open session and API token revoked.

    Django already refuses an inactive user on the next request; ending the sessions and
    deleting the token as well means nothing of theirs stays valid on the server.
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    session_keys = user_session_keys(user)
    for session_key in session_keys:
        session_store(session_key=session_key).delete()
    tokens_deleted = api_tokens_revoke(user=user)
    audit_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=user,
        summary=f"Deactivated; ended {len(session_keys)} session(s), revoked {tokens_deleted} API token(s)",
    )
    return user
