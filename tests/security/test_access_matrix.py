"""Every route of the URLconf x role x method, checked against ``tests/security/access_table.py``.

Path parameters are athlete A's own records, so athlete B must be refused where A is let in.
A route added to the URLconf without a table entry fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.security.access_table import ALLOW, DENY, LOGIN, ROLES, ROUTES, Route
from tests.security.access_world import World

pytestmark = pytest.mark.django_db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
TABLE = "tests/security/access_table.py"


# The URLconf, walked ----------------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield namespace, prefix + str(entry.pattern), entry


def url_patterns() -> list[tuple[str, str, URLPattern]]:
    """(table key, pattern, URLPattern) for every pattern; the whole admin site is one key."""
    rows = []
    for namespace, pattern, entry in _walk(get_resolver().url_patterns):
        if namespace.startswith("admin:"):
            key = "admin"
        elif entry.name is None:
            key = f"<unnamed pattern {pattern!r}>"
        else:
            key = namespace + entry.name
        rows.append((key, pattern, entry))
    return rows


def _view_of(entry: URLPattern) -> tuple[Any, tuple[str, ...]]:
    callback = entry.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return view, tuple(sorted(set(getattr(callback, "actions", None) or {}) - {"head"}))


def _answered_methods(entry: URLPattern) -> set[str]:
    actions = getattr(entry.callback, "actions", None)
    if actions:  # a DRF viewset route: the router mapped these methods to actions
        # DRF adds "head" to this dict on the first GET it serves, so the answer would depend on test order.
        return {method.upper() for method in actions if method != "head"}
    view = getattr(entry.callback, "cls", None) or entry.callback.view_class  # type: ignore[attr-defined]  # as_view() sets it
    return {name.upper() for name in view.http_method_names if name not in ("head", "options") and hasattr(view, name)}


def test_every_route_has_an_entry_in_the_access_table():
    missing = sorted({key for key, _, _ in url_patterns()} - set(ROUTES))
    patterns = {key: pattern for key, pattern, _ in url_patterns()}
    assert not missing, f"Routes with no entry in {TABLE}: " + "; ".join(f"{k} ({patterns.get(k)})" for k in missing)


def test_the_access_table_lists_only_routes_that_exist():
    stale = sorted(set(ROUTES) - {key for key, _, _ in url_patterns()})
    assert not stale, f"{TABLE} lists routes the URLconf no longer has: {stale}"


def test_patterns_sharing_a_name_lead_to_one_view():
    """DRF's format-suffix twins (``patients.json``) share their route's entry; nothing else may."""
    views: dict[str, set[tuple[Any, tuple[str, ...]]]] = defaultdict(set)
    for key, _, entry in url_patterns():
        if key != "admin":
            views[key].add(_view_of(entry))
    shared = {key: found for key, found in views.items() if len(found) > 1}
    assert not shared, f"One name, several views (give each route its own name and table entry): {shared}"


def test_api_routes_answer_exactly_the_methods_in_the_table():
    """A method added to an API view (a DELETE, a PUT) needs its own line in the table."""
    answered: dict[str, set[str]] = {}
    for key, _, entry in url_patterns():
        if key in ROUTES and ROUTES[key].kind == "api":
            answered.setdefault(key, _answered_methods(entry))
    differ = {
        key: {"answers": sorted(methods), "table": sorted(ROUTES[key].methods)}
        for key, methods in answered.items()
        if methods != set(ROUTES[key].methods)
    }
    assert not differ, f"API methods differ from {TABLE}: {differ}"


# The matrix -------------------------------------------------------------------------------


def _cases() -> list[Any]:
    return [
        pytest.param(name, method, role, id=f"{name}-{method}-{role}")
        for name, route in ROUTES.items()
        for method in route.methods
        for role in ROLES
    ]


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


@pytest.fixture
def world(users, athlete_a, athlete_b):
    return World(users=users, patients={"athlete_a": athlete_a[1], "athlete_b": athlete_b[1]})


def url_of(name: str, route: Route, world: World) -> str:
    for needed in route.setup:
        world.get(needed)
    url = reverse(route.url_name or name, kwargs={arg: world.get(obj) for arg, obj in route.args.items()})
    if route.query:
        url += "?" + urlencode({param: world.get(obj) for param, obj in route.query.items()})
    return url


def send(route: Route, method: str, url: str, user: Any, client: Any, api: Any) -> Any:
    if route.kind == "api":
        if user is not None:
            api.force_authenticate(user=user)
        if method == "GET":
            return api.get(url)
        return getattr(api, method.lower())(url, {}, format="json")
    if user is not None:
        client.force_login(user)
    return client.get(url) if method == "GET" else client.post(url, {})


def sign_in_step(response: Any) -> str:
    """The sign-in (or two-factor) page a response sends the user to first, or ""."""
    if response.status_code != 302:
        return ""
    target = urlparse(response.get("Location", ""))
    steps = {reverse("login"), reverse("admin:login"), reverse("accounts:two-factor")}
    return target.path if target.path in steps and "next=" in target.query else ""


def mismatch(route: Route, method: str, expected: str, response: Any, secret: str) -> str | None:
    """What is wrong with the response for this expectation, or None."""
    status = response.status_code
    detour = sign_in_step(response)
    if expected == ALLOW and method in UNSAFE:
        ok = status not in (401, 403, 404, 405) and status < 500 and not detour
    elif expected == ALLOW:
        ok = 200 <= status < 400 and not detour
    elif expected == LOGIN and route.kind == "api":
        ok = status == 401
    elif expected == LOGIN:
        ok = detour == reverse("admin:login" if route.kind == "admin" else "login")
    else:
        ok = status in (403, 404) or (route.kind == "admin" and detour == reverse("admin:login"))
    body = b"" if getattr(response, "streaming", False) else response.content
    if not ok:
        location = response.get("Location", "")
        detail = f" -> {location}" if location else f": {body[:200]!r}"
        return f"expected {expected}, got {status}{detail}"
    if expected in (DENY, LOGIN) and secret.encode() in body:
        return f"refused ({status}) but the answer names the owner ({secret!r})"
    return None


@pytest.mark.parametrize(("name", "method", "role"), _cases())
def test_access(name, method, role, users, world, client, api):
    route = ROUTES[name]
    url = url_of(name, route, world)
    response = send(route, method, url, users[role], client, api)
    problem = mismatch(route, method, route.methods[method][role], response, secret=world.a.patient.last_name)
    if getattr(response, "streaming", False):
        response.close()
    assert problem is None, f"{role} {method} {url}: {problem}"


# The admin site, beyond its entry ---------------------------------------------------------


def test_admin_role_reads_the_audit_trail_but_cannot_change_it(client, admin_user, athlete_a):
    event = audit_record(actor=admin_user, action=AuditAction.VIEW, target=athlete_a[1], patient_id=athlete_a[1].pk)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200
    assert str(athlete_a[1].pk) in listing.content.decode()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"summary": "x"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).summary == event.summary


def test_clinicians_and_front_desk_have_no_admin_site(client, clinician, front_desk):
    for user in (clinician, front_desk):
        client.force_login(user)
        response = client.get(reverse("admin:audit_auditevent_changelist"))
        assert response.status_code == 302
        assert urlparse(response["Location"]).path == reverse("admin:login")
