"""Access logs without patient data or one-time secrets: gunicorn's access log (gunicorn.conf.py)
and Django's own request logs (settings.LOGGING) write a request's path with its query string
dropped (patient-name searches: ``/patients/?q=...``) and its credential segments masked
(invitation and password-reset links, calendar-feed tokens)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.http import Http404
from django.urls import resolve
from gunicorn.glogging import Logger as GunicornLogger

# URL parameters that are credentials: django.contrib.auth's reset links and the invitation
# (uidb64 + token), the calendar feed (token). tests/clinic/test_access_log.py fails on a
# route whose parameter looks like one of these and is not listed.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
MASK = "***"


def loggable_path(path: str) -> str:
    """``path`` without its query string, each credential segment of its route replaced by ***."""
    path = path.split("?", 1)[0]
    try:
        match = resolve(path)
    except Http404:  # Resolver404: no route, so no parameters to mask
        return path
    secrets = sorted(
        (str(value) for name, value in match.kwargs.items() if name in SECRET_URL_KWARGS and str(value)),
        key=len,
        reverse=True,  # a longer secret first, so a shorter one inside it cannot leave a piece
    )
    for secret in secrets:
        path = path.replace(secret, MASK)
    return path


def loggable_url(url: str) -> str:
    """A full address (the Referer) with its path made loggable, its query and fragment dropped."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    if not parts.scheme:
        return loggable_path(url)
    return f"{parts.scheme}://{parts.netloc}{loggable_path(parts.path or '/')}"


class AccessLogger(GunicornLogger):
    """gunicorn's logger (``logger_class``) whose access-log atoms carry loggable paths only.

    The request line (``r``), path (``U``), query (``q``) and referer (``f``) are rewritten;
    environ atoms (``{raw_uri}e``, ``{query_string}e`` ...) and the cookie and authorization
    request headers are left out, so a custom ``access_log_format`` naming them logs "-".
    """

    HIDDEN_REQUEST_HEADERS = frozenset({"{cookie}i", "{authorization}i", "{referer}i"})

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO", ""))
        atoms.update(
            {
                "r": f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}",
                "U": path,
                "q": "-",
                "f": loggable_url(environ.get("HTTP_REFERER", "-")),
            }
        )
        return {
            key: value
            for key, value in atoms.items()
            if not key.endswith("}e") and key not in self.HIDDEN_REQUEST_HEADERS
        }


class LoggablePathFilter(logging.Filter):
    """Makes Django's request logs loggable the same way (settings.LOGGING).

    ``django.server`` (runserver) logs the request line as its first argument;
    ``django.request`` ("Not Found: /path") logs the path as an argument.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._loggable(arg) for arg in record.args)
        return True

    @staticmethod
    def _loggable(arg: object) -> object:
        if not isinstance(arg, str):
            return arg
        if arg.startswith("/"):
            return loggable_path(arg)
        method, _, rest = arg.partition(" ")
        target, _, protocol = rest.rpartition(" ")
        if method.isalpha() and method.isupper() and target.startswith("/") and protocol.startswith("HTTP/"):
            return f"{method} {loggable_path(target)} {protocol}"  # runserver's request line
        return arg


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (4xx) logs its one line, not the traceback of the exception that refused it.

    Django's ``log_response`` passes the PermissionDenied (or Http404) as ``exc_info``, so each
    403 wrote a whole traceback to the log although nothing went wrong; 5xx keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
