"""No response is cached by a proxy or on a shared computer's disk (issue 18, row 5), and every
response says which browser features pages may use (row 10): clinic/headers.py."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from clinic.headers import ResponseHeadersMiddleware
from tests.security.access_table import ROLES, ROUTES
from tests.security.test_access_matrix import send, url_of

pytestmark = pytest.mark.django_db

# Keyframe images, the one deliberate exception (issue 12, item 5): kept by the browser only
# (private, never a shared cache), for a bounded time, revalidated by ETag.
PRIVATELY_CACHEABLE = {"assessments:keyframe", "assessments:keyframe-page"}


@pytest.fixture
def users(athlete_a, athlete_b, front_desk, clinician, admin_user):
    return {
        "anonymous": None,
        "athlete_a": athlete_a[0],
        "athlete_b": athlete_b[0],
        "front_desk": front_desk,
        "clinician": clinician,
        "admin": admin_user,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_of_the_access_table_is_private_and_not_stored(role, users, world, client, api):
    """Each route the table lists, read as ``role`` (athlete A's records in the URL): every 2xx
    (the pages, the visit report PDF, the .ics calendars, the API, the portal, the media) says
    ``private, no-store``; keyframe images say ``private, max-age`` with an ETag."""
    stored: list[str] = []
    streams = []  # closed at the end: closing fires request_finished, which closes the database
    answered = 0
    for name, route in ROUTES.items():
        if "GET" not in route.methods:
            continue
        url = url_of(name, route, world)
        response = send(route, "GET", url, users[role], client, api)
        if getattr(response, "streaming", False):
            streams.append(response)
        if not 200 <= response.status_code < 300:
            continue
        answered += 1
        directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        if name in PRIVATELY_CACHEABLE:
            max_age = [d for d in directives if d.startswith("max-age=")]
            if "private" not in directives or not max_age or "public" in directives or not response.get("ETag"):
                stored.append(f"{url}: Cache-Control {response.get('Cache-Control')!r}, ETag {response.get('ETag')!r}")
            continue
        if not {"private", "no-store"} <= directives:
            stored.append(f"{url}: Cache-Control {response.get('Cache-Control')!r}")
    for response in streams:
        response.close()
    assert answered >= 4, "the walk reached too few routes to mean anything"
    assert stored == [], f"{role}: answers a cache may keep:\n" + "\n".join(stored)


def test_a_view_that_sets_its_own_cache_policy_keeps_it():
    """How a view opts out (keyframe images may become privately cacheable): it sets the header."""

    def cacheable_view(request):
        response = HttpResponse(b"\x89PNG")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    response = ResponseHeadersMiddleware(cacheable_view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "private, max-age=3600"


def test_pages_and_the_api_switch_off_browser_features_but_keep_the_camera(client, api_as, clinician, athlete_a):
    client.force_login(clinician)
    for response in (
        client.get(reverse("patients:detail", args=[athlete_a[1].pk])),
        api_as(clinician).get(f"/api/v1/patients/{athlete_a[1].pk}/"),
        client.get(reverse("login")),
    ):
        assert response.status_code == 200
        policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
        assert policy["camera"] == "(self)"  # recording a treadmill video in the page
        for feature in ("microphone", "geolocation", "payment", "usb", "serial", "display-capture"):
            assert policy[feature] == "()", feature
