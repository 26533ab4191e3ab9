"""The Django admin for people: deactivating someone ends their sessions and API token at once;
resetting someone's two-factor sign-in makes them set up a new authenticator app."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.services import user_deactivate
from accounts.two_factor import two_factor_reset


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    actions = ["deactivate_users", "reset_two_factor"]

    @admin.action(
        description="Deactivate the selected people (ends their sessions and API tokens)", permissions=["change"]
    )
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset.exclude(pk=request.user.pk))  # type: ignore[misc]  # admin pages: signed in
        for user in users:
            user_deactivate(user=user, by=request.user)
        self.message_user(request, f"{len(users)} people deactivated; their sessions and API tokens are revoked.")
        if queryset.filter(pk=request.user.pk).exists():  # type: ignore[misc]  # admin pages: signed in
            self.message_user(request, "You cannot deactivate yourself.", level=messages.WARNING)

    @admin.action(
        description="Reset two-factor sign-in of the selected people (they set up their app again)",
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset)
        for user in users:
            two_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {len(users)} people; they set up an authenticator app at their next sign-in.",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # Someone granted "change user" without being a superuser must not make anyone one.
        return (*readonly, "is_superuser", "is_staff", "user_permissions")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Unticking "active" on the change form revokes access like the action does.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj, by=request.user)
