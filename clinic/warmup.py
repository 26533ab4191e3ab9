"""Pay a web worker's first-request costs at start-up, before it takes traffic.

Without this, the first request each gunicorn worker serves imports the URLconf (every view and,
through the assessment views, NumPy and OpenCV), compiles its templates and imports DRF's
renderers: half a second to a second and a half, which a clinic sees as a slow page after
every deploy or worker restart. Nothing here touches the database, so it is safe before fork
(gunicorn --preload) as well as in each worker.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from rest_framework.settings import api_settings

TEMPLATE_SUFFIXES = (".html", ".txt")


def template_names(directories: list[Path] | tuple[Path, ...]) -> list[str]:
    """Every template file under the engines' directories, as the name a view would load it by."""
    names = set()
    for directory in directories:
        for path in directory.rglob("*"):
            if path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
                names.add(path.relative_to(directory).as_posix())
    return sorted(names)


def load_templates() -> None:
    """Compile every template into the cached loader."""
    for engine in engines.all():
        for name in template_names([Path(d) for d in engine.template_dirs]):
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                # A third-party file this site never renders (e.g. needing an app it doesn't
                # install); the site's own templates are checked by tests/test_warmup.py.
                continue


def import_api_settings() -> None:
    """DRF imports its renderer, parser, authentication ... classes on first use."""
    for name in api_settings.defaults:
        if name in api_settings.import_strings:
            getattr(api_settings, name)


def load_cache_clients() -> None:
    """A cache backend imports its client library on first use (redis-py: a third of a second).
    Building the client does not connect: redis-py connects on its first command."""
    for alias in settings.CACHES:
        getattr(caches[alias], "_cache", None)  # RedisCache's lazily built client


def warm_up() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf and every view module
    resolver.reverse_dict  # noqa: B018 - builds reverse()'s lookup table
    import_api_settings()
    load_cache_clients()
    load_templates()
