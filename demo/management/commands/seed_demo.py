from django.core.management.base import BaseCommand

from demo.seed import DEMO_TOTP_SECRET, seed_demo


class Command(BaseCommand):
    help = "Create the demo users, patients and visits (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for login in logins:
            self.stdout.write(f"  {login.role.label:<11} {login.username:<10} / {login.password}")
        self.stdout.write(
            "Staff then enter a code from an authenticator app: add the key "
            f"{DEMO_TOTP_SECRET} (time-based, 6 digits),\n"
            "  or print the current code with: .venv/bin/python manage.py demo_code"
        )
