"""Accounts: creating staff and athletes, and inviting an athlete to the portal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from patients.models import Patient


def user_create(
    *, username: str, email: str, role: Role, password: str | None = None,
    first_name: str = "", last_name: str = "",
) -> User:  # fmt: skip
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


@transaction.atomic
def athlete_invite(*, patient: Patient, email: str, invited_by: Any) -> User:
    """Give the patient a portal account (or renew the link) and e-mail them the link."""
    email = email.strip().lower()
    user = patient.user
    if user is None:
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": "A person with this e-mail address already has an account."})
        user = user_create(
            username=email, email=email, role=Role.ATHLETE,
            first_name=patient.first_name, last_name=patient.last_name,
        )  # fmt: skip
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    elif user.has_usable_password():
        raise ValidationError({"email": "This athlete has already set a password; they can use 'Forgot password'."})
    context = {
        "patient": patient,
        "link": invitation_link(user),
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Your {settings.CLINIC_NAME} athlete portal",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user
