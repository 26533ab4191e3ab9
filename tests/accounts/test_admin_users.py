"""The people admin: someone allowed to change users cannot hand out superuser or staff rights."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_manager_who_is_not_superuser_cannot_grant_superuser(client, clinician):
    manager = UserFactory(role=Role.ADMIN, username="manager")
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client.force_login(manager)
    url = reverse("admin:accounts_user_change", args=[manager.pk])

    form = client.get(url).context["adminform"].form

    assert {"is_superuser", "is_staff", "user_permissions"}.isdisjoint(form.fields)
    assert "is_active" in form.fields
    client.post(url, {"username": "manager", "email": manager.email, "is_active": "on", "is_superuser": "on"})
    manager.refresh_from_db()
    assert manager.is_superuser is False
