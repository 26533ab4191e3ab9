"""What the server tells and keeps (issue 18, row 10): no gunicorn banner, and access logs
without patient-name searches or one-time link credentials (gunicorn.conf.py, clinic/access_log.py)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import invitation_link
from clinic.access_log import SECRET_URL_KWARGS, loggable_path, loggable_url
from scheduling import services as scheduling_services
from tests.worker import database_url_for_tests

ROOT = Path(__file__).resolve().parents[2]
SEARCH = "Smithson-Kowalczyk"  # a patient's name, as typed into the patient search


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _get(url: str, **headers: str) -> tuple[int, Any]:
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:  # a redirect or a refusal: its headers are what counts
        return error.code, error.headers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn as Procfile.embedded starts it (its config file), on a free loopback port."""
    port, access_log, error_log = _free_port(), tmp_path / "access.log", tmp_path / "error.log"
    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), "SECRET_KEY": settings.SECRET_KEY}
    # Left unformatted (fmt: skip): each flag stays beside its value; one per line would split the pairs.
    command = [str(Path(sys.executable).parent / "gunicorn"), "clinic.wsgi", "--config", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--access-logfile", str(access_log), "--error-logfile", str(error_log)]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, error_log.read_text()
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield base, access_log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.django_db(transaction=True)  # gunicorn's own process reads what the test wrote
def test_gunicorn_names_no_server_and_logs_no_search_or_link_secret(tmp_path, athlete_a, clinician):
    athlete = athlete_a[0]
    invite = invitation_link(athlete).removeprefix(settings.SITE_URL)
    reset = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(athlete.pk)), default_token_generator.make_token(athlete)],
    )
    feed_token = scheduling_services.calendar_feed_renew(clinician=clinician).token
    secrets = [invite.split("/")[-2], reset.split("/")[-2], feed_token]

    with _gunicorn(tmp_path) as (base, access_log):
        status, headers = _get(f"{base}/healthz")
        searched = _get(f"{base}/patients/?q={SEARCH}", Referer=f"{base}/patients/?q={SEARCH}")
        answers = [_get(base + invite), _get(base + reset), _get(f"{base}/schedule/feeds/{feed_token}.ics")]

    assert status == 200
    assert "gunicorn" not in str(headers).lower()
    assert headers.get("Server") is None
    assert searched[0] == 302  # to the sign-in page
    # The links worked (Django swaps their token for a session key: a redirect), and so did the feed.
    assert [answer[0] for answer in answers] == [302, 302, 200]
    log = access_log.read_text()
    assert '"GET /patients/ HTTP/1.1" 302' in log
    assert '"GET /schedule/feeds/***.ics HTTP/1.1" 200' in log
    assert '"GET /accounts/invite/***/***/ HTTP/1.1" 302' in log
    assert SEARCH not in log
    for secret in secrets:
        assert secret not in log
    assert f'"{base}/patients/"' in log  # the referer, its query dropped too


def test_loggable_paths_drop_the_query_and_mask_link_credentials(db):
    assert loggable_path(f"/patients/?q={SEARCH}") == "/patients/"
    assert loggable_path("/accounts/reset/MTI/cxyz-0123abcd/") == "/accounts/reset/***/***/"
    assert loggable_path("/accounts/invite/MTI/cxyz-0123abcd/") == "/accounts/invite/***/***/"
    assert loggable_path("/schedule/feeds/Zm9vYmFyYmF6.ics") == "/schedule/feeds/***.ics"
    assert loggable_path("/patients/12/") == "/patients/12/"  # ids are not secrets
    assert loggable_path("/no/such/page?q=x") == "/no/such/page"
    assert loggable_url(f"https://clinic.example/patients/?q={SEARCH}") == "https://clinic.example/patients/"


def test_every_url_parameter_that_looks_like_a_credential_is_masked():
    """A new route with a token in its path must be added to SECRET_URL_KWARGS."""
    found: set[str] = set()

    def walk(patterns: list[Any]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                found.update(entry.pattern.regex.groupindex)

    walk(get_resolver().url_patterns)
    credential_like = {name for name in found if any(word in name for word in ("token", "uid", "key", "secret"))}
    assert credential_like, "the walk found no credential in any URL: it walked nothing"
    assert credential_like <= SECRET_URL_KWARGS


def test_djangos_request_logs_drop_the_query_and_mask_link_credentials(client, caplog, db):
    """runserver's request line (django.server) and "Not Found: /path" (django.request)."""
    server_lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: server_lines.append(record.getMessage())
    server_logger = logging.getLogger("django.server")
    server_logger.addHandler(handler)
    try:
        server_logger.info('"%s" %s %s', f"GET /patients/?q={SEARCH} HTTP/1.1", "302", "0")
        server_logger.info('"%s" %s %s', "GET /schedule/feeds/s3cr3t-feed-token.ics HTTP/1.1", "404", "0")
    finally:
        server_logger.removeHandler(handler)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/schedule/feeds/s3cr3t-feed-token.ics?q=x").status_code == 404

    assert server_lines == ['"GET /patients/ HTTP/1.1" 302 0', '"GET /schedule/feeds/***.ics HTTP/1.1" 404 0']
    request_lines = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert request_lines == ["Not Found: /schedule/feeds/***.ics"]
