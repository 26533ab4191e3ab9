"""A gunicorn worker warms itself (clinic/warmup.py) when it imports clinic.wsgi, before any request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from clinic.warmup import template_names

# Run in a fresh interpreter: this test process has long since imported everything.
PROBE = """
import json, sys
from django.db import connections
import clinic.wsgi
from django.template import engines
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "modules": sorted(m for m in ("clinic.urls", "assessments.views", "scheduling.views", "cv2",
                                  "rest_framework.renderers", "redis") if m in sys.modules),
    "cached": sorted(loader.get_template_cache),
    "database_connections": [alias for alias in connections if connections[alias].connection is not None],
}))
"""


def _warmed_process() -> dict:
    # A Redis cache as in production; building its client must not connect (nothing listens on port 9).
    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:9/0"}
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_importing_the_wsgi_application_loads_views_and_every_site_template_without_the_database():
    warmed = _warmed_process()
    assert warmed["modules"] == sorted(
        ["clinic.urls", "assessments.views", "scheduling.views", "cv2", "rest_framework.renderers", "redis"]
    )
    site_dirs = [Path(settings.BASE_DIR) / "templates", *sorted(Path(settings.BASE_DIR).glob("*/templates"))]
    site_templates = template_names(site_dirs)
    assert {"base.html", "scheduling/calendar.html", "programs/portal/today.html"} <= set(site_templates)
    assert set(site_templates) <= set(warmed["cached"])
    # Safe before gunicorn forks its workers: no connection to share between processes.
    assert warmed["database_connections"] == []
