from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from accounts.roles import sync_role_groups

        # Roles are configuration, kept in code (accounts/roles.py): after every migrate the
        # groups are made to match it, so a new app's permissions reach the right roles.
        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="sync_role_groups")

        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import stamp_sign_in

        # The absolute session lifetime counts from sign-in (accounts/middleware.py).
        user_logged_in.connect(stamp_sign_in, dispatch_uid="stamp_sign_in")
