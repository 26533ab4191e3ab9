from django.core.management.base import BaseCommand

from clinic.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo users, patients and visits (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for login in logins:
            self.stdout.write(f"  {login.role.label:<11} {login.username:<10} / {login.password}")
