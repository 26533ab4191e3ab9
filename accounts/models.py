"""The clinic's user: staff or athlete; the role is a group (accounts/roles.py)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    email = models.EmailField(
        "e-mail address",
        unique=True,
        error_messages={"unique": "A person with this e-mail address already has an account."},
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        permissions = [("invite_athlete", "Can invite an athlete to the portal")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
