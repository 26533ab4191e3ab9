"""Print the current two-factor code of the demo staff (demo/seed.py's published key)."""

import time
from base64 import b32decode

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from demo.seed import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current 6-digit code for the demo staff logins (the demo's authenticator key)."

    def handle(self, *args: object, **options: object) -> None:
        totp = TOTP(b32decode(DEMO_TOTP_SECRET))
        now = time.time()
        totp.time = now
        seconds_left = totp.step - int(now - totp.t0) % totp.step
        code = f"{totp.token():06d}"
        self.stdout.write(f"{code[:3]} {code[3:]}  (a new code comes in {seconds_left} s)")
