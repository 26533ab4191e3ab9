"""Error pages: 403 and 404 in the site's layout with its navigation and a way back, a static 500
page that needs no database, one log line per refused request, and a two-factor step without the
signed-in navigation."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic import errors
from tests.two_factor import authenticator_for

pytestmark = pytest.mark.django_db


def test_403_page_has_the_navigation_and_a_way_back(client, athlete_a):
    client.force_login(athlete_a[0])
    response = client.get(reverse("patients:list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in html and 'aria-label="Main"' in html and "My record" in html
    assert "You cannot open this page" in html and 'href="/"' in html


def test_404_page_has_the_navigation_and_a_way_back(client, clinician):
    client.force_login(clinician)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'aria-label="Main"' in html and 'href="/today/"' in html
    assert "Page not found" in html and "Back to the start page" in html


def test_404_for_an_anonymous_visitor_offers_sign_in(client):
    html = client.get("/no-such-page/").content.decode()
    assert "Page not found" in html and 'href="/accounts/login/"' in html


def test_api_errors_stay_json(client, athlete_a):
    client.force_login(athlete_a[0])
    assert client.get("/api/v1/no-such-thing/").json() == {"detail": "Not found."}


def test_500_page_is_styled_static_html_without_a_query():
    request = RequestFactory().get("/patients/")
    with CaptureQueriesContext(connection) as queries:
        response = errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and len(queries) == 0
    assert "css/clinic.css" in html and 'class="topbar"' in html and 'href="/"' in html
    assert "Something went wrong" in html


def test_a_refused_request_logs_one_line_without_a_traceback(client, athlete_a, caplog):
    client.force_login(athlete_a[0])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("patients:list")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["Forbidden (Permission denied): /patients/"]
    assert records[0].exc_info is None and "Traceback" not in caplog.text


@pytest.mark.parametrize("has_authenticator", [False, True], ids=["set-up", "code"])
def test_the_two_factor_step_shows_no_signed_in_navigation(client, clinician, has_authenticator):
    if has_authenticator:
        authenticator_for(clinician)
    response = client.post(reverse("login"), {"username": "clin", "password": "correct-horse-battery"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two-factor"))
    assert ("Enter your code" if has_authenticator else "Set up two-factor sign-in") in html
    assert 'aria-label="Main"' not in html and 'href="/patients/"' not in html
    assert "Sign out" in html
