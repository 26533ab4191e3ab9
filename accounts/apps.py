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
