"""WSGI entry point (gunicorn clinic.wsgi): the application, warmed before it takes requests."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
application = get_wsgi_application()

from clinic.warmup import warm_up  # noqa: E402 - needs the settings get_wsgi_application() set up

warm_up()
