"""A clinic's day under load (``make load``): clinicians, athletes and the front desk at once.

Started by loadtest/run.py against gunicorn on a seeded database, in two phases:

1. sign-in: every load account signs in through the real sign-in form, and the two-factor step
   when the server asks for one (a TOTP code from the account's known key), ten a second;
2. work: the users (-u, arriving at -r a second) take those sessions and use the clinic for
   the run time. Sign-in is timed on its own: its password hash (PBKDF2, ~0.3 s of CPU by
   design) would otherwise make the run measure fifty simultaneous sign-ins, not a clinic.

Every page is checked for what its user came to see, so a wrong page is an error, not only a
5xx. Accounts and ids come from the seed manifest (``LOAD_MANIFEST``); every request's timing
goes to ``LOAD_SAMPLES`` for run.py to report reads and writes apart.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gevent
from locust import HttpUser, between, events, task
from locust.clients import HttpSession
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_forms import Form, form_with
from proc_cpu import children_cpu_s, database_backends_cpu_s

MANIFEST: dict[str, Any] = json.loads(Path(os.environ["LOAD_MANIFEST"]).read_text())
WAIT_S = [float(v) for v in os.environ.get("LOAD_WAIT_S", "3,10").split(",")]
SIGN_IN_RATE = float(os.environ.get("LOAD_SIGN_IN_RATE", "10"))  # sign-ins started per second
READ, WRITE, AUTH = {"kind": "read"}, {"kind": "write"}, {"kind": "auth"}
# Names a two-factor step may give its code field (django-otp's own forms use otp_token).
OTP_FIELDS = ("code", "otp_token", "token", "otp", "verification_code")
SAMPLES: list[tuple[float, str, str, float, bool]] = []
TASK_ERRORS: list[str] = []  # exceptions raised by the users' own code count as errors too
SERVER_CPU_S: dict[str, float] = {}  # web workers' and database backends' CPU at the work phase's ends
ROLES = ("clinicians", "athletes", "front_desk")
# Signed-in cookies per role, filled by the sign-in phase and handed out to the users in turn.
SESSIONS: dict[str, list[tuple[dict[str, Any], Any]]] = {role: [] for role in ROLES}


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, context: dict, **kwargs: Any) -> None:
    SAMPLES.append((time.time(), context.get("kind", "read"), name, response_time, exception is None))


@events.user_error.add_listener
def _record_error(user_instance: Any, exception: Exception, tb: Any, **kwargs: Any) -> None:
    TASK_ERRORS.append(f"{type(user_instance).__name__}: {exception!r}")


def _server_cpu_s(moment: str) -> None:
    if "LOAD_SERVER_PID" in os.environ:
        SERVER_CPU_S[f"web_{moment}"] = children_cpu_s(int(os.environ["LOAD_SERVER_PID"]))
        SERVER_CPU_S[f"database_{moment}"] = database_backends_cpu_s(os.environ.get("LOAD_DATABASE", ""))


@events.test_start.add_listener
def _work_starts(**kwargs: Any) -> None:
    _server_cpu_s("start")


@events.test_stop.add_listener
def _write_samples(**kwargs: Any) -> None:
    _server_cpu_s("stop")
    path = os.environ.get("LOAD_SAMPLES")
    if path:
        Path(path).write_text(
            json.dumps({"samples": SAMPLES, "task_errors": TASK_ERRORS, "server_cpu_s": SERVER_CPU_S})
        )


def clinic_today() -> date:
    """The clinic's date (the server's CLINIC_TIME_ZONE), which is what its forms check against."""
    return datetime.now(ZoneInfo(os.environ.get("CLINIC_TIME_ZONE", "Europe/London"))).date()


def totp(key_hex: str) -> str:
    from django_otp.oath import TOTP  # the same algorithm the server checks (RFC 6238, 30 s, 6 digits)

    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def checked(response: Any, ok: bool, what: str) -> bool:
    """Mark a ``catch_response`` response failed unless it is what the user expected."""
    if response.status_code >= 400 or not ok:
        reason = f"HTTP {response.status_code}" if response.status_code else f"no response ({response.error!r})"
        response.failure(f"{what}: {reason} at {getattr(response.request, 'path_url', '?')}")
        return False
    response.success()
    return True


def _otp_form(html: str) -> Form | None:
    for name in OTP_FIELDS:
        form = form_with(html, field=name)
        if form is not None:
            return form
    return None


def _otp_answer(form: Form, account: dict[str, Any]) -> dict[str, str]:
    field = next((name for name in OTP_FIELDS if name in form.names), None)
    if field is None:
        return {}
    if not account.get("otp_key"):
        raise RuntimeError(f"{account['username']} is asked for a one-time code but has no TOTP key")
    return {field: totp(account["otp_key"])}


def sign_in(client: HttpSession, account: dict[str, Any]) -> bool:
    """The sign-in page as a browser fills it, then the two-factor page if one follows."""
    host = client.base_url
    with client.get("/accounts/login/", name="sign-in form", context=AUTH, catch_response=True) as r:
        form = form_with(r.text, field="username") if r.status_code == 200 else None
        if not checked(r, form is not None, "sign-in form") or form is None:
            return False
    data = {**form.fields, **_otp_answer(form, account), "username": account["username"]}
    data.update(password=account["password"], csrfmiddlewaretoken=client.cookies.get("csrftoken", ""))
    headers = {"Referer": host + "/accounts/login/"}
    with client.post(
        "/accounts/login/", data=data, name="sign-in", context=AUTH, catch_response=True, headers=headers
    ) as r:
        step = _otp_form(r.text) if r.status_code == 200 else None
        page_url = r.url or ""
        if not checked(r, step is not None or "/accounts/login/" not in page_url, f"sign-in of {account['username']}"):
            return False
    if step is None:
        return True
    data = {**step.fields, **_otp_answer(step, account), "csrfmiddlewaretoken": client.cookies.get("csrftoken", "")}
    with client.post(
        step.action or page_url.removeprefix(host),
        data=data,
        name="sign-in two-factor",
        context=AUTH,
        catch_response=True,
        headers={"Referer": page_url},
    ) as r:
        return checked(r, _otp_form(r.text) is None and "/accounts/login/" not in (r.url or ""), "two-factor step")


@events.init.add_listener
def _sign_in_everyone(environment: Any, **kwargs: Any) -> None:
    """Phase 1, before the run's clock starts: every account in the manifest signs in,
    SIGN_IN_RATE new sign-ins a second, concurrently."""

    def one(role: str, account: dict[str, Any]) -> None:
        client = HttpSession(base_url=environment.host, request_event=environment.events.request, user=None)
        if sign_in(client, account):
            SESSIONS[role].append((account, client.cookies.copy()))  # with their domain, as the server set them

    jobs = []
    for role in ROLES:
        for account in MANIFEST[role]:
            jobs.append(gevent.spawn(one, role, account))
            gevent.sleep(1 / SIGN_IN_RATE)
    gevent.joinall(jobs)


def _sessions(role: str) -> Any:
    """The signed-in sessions of a role, in turn (more users than accounts share sessions)."""
    while True:
        if not SESSIONS[role]:
            raise StopUser()
        yield from list(SESSIONS[role])


SESSION_TURNS = {role: _sessions(role) for role in ROLES}


class ClinicUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT_S)

    def on_start(self) -> None:
        self.account, cookies = next(SESSION_TURNS[self.role])
        self.client.cookies.update(cookies.copy())
        # Locust starts each second's -r users in one batch, all clicking in the same millisecond;
        # people arriving at that rate arrive spread over the second.
        gevent.sleep(random.uniform(0, 1))

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def page(self, url: str, name: str, must_contain: str) -> str:
        with self.client.get(url, name=name, context=READ, catch_response=True) as r:
            checked(r, r.status_code == 200 and must_contain in r.text, f"{name} lacks {must_contain!r}")
            return r.text

    def api(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, context=READ, catch_response=True) as r:
            data = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else None
            checked(r, r.status_code == 200 and data is not None, name)
            return data

    def submit(self, url: str, data: dict[str, str], name: str, redirect: str) -> str | None:
        """POST a form the way a browser does; success is a redirect whose target matches ``redirect``."""
        data = {**data, "csrfmiddlewaretoken": self.csrf()}
        headers = {"Referer": self.host + url}  # type: ignore[operator]  # locust sets host (--host) before any task
        with self.client.post(
            url, data=data, name=name, context=WRITE, headers=headers, allow_redirects=False, catch_response=True
        ) as r:
            location = r.headers.get("Location", "")
            if checked(r, r.status_code == 302 and re.search(redirect, location) is not None, name):
                return location
            return None


class Clinician(ClinicUser):
    """Reads records and results between patients: lists, search, records, trends, results."""

    role = "clinicians"
    fixed_count = 20

    def on_start(self) -> None:
        super().on_start()
        self.visits = MANIFEST["visits"]

    def _patient(self) -> int:
        return random.choice(MANIFEST["patient_ids"])

    @task(3)
    def patient_list(self) -> None:
        self.page(f"/patients/?page={random.randint(1, 25)}", "patient list", "patients</span>")

    @task(2)
    def patient_search(self) -> None:
        term = random.choice(MANIFEST["search_terms"])
        self.page(f"/patients/?q={term}", "patient search", "Search by name")

    @task(3)
    def patient_detail(self) -> None:
        self.page(f"/patients/{self._patient()}/", "patient detail", "<h2>Visits</h2>")

    @task(1)
    def visit_detail(self) -> None:
        patient_id, visit_id = random.choice(self.visits)
        self.page(f"/patients/{patient_id}/visits/{visit_id}/", "visit detail", "<h2>Plan</h2>")

    @task(2)
    def trend_page(self) -> None:
        self.page(f"/assessments/patients/{self._patient()}/trend/", "trend page", "<svg")

    @task(2)
    def trend_api(self) -> None:
        data = self.api(f"/api/v1/patients/{self._patient()}/hip-drop-trend/", "API hip-drop trend")
        if data is not None and not data.get("points"):
            events.request.fire(
                request_type="CHECK",
                name="API hip-drop trend has points",
                response_time=0,
                response_length=0,
                exception=AssertionError("no trend points"),
                context=READ,
            )

    @task(2)
    def assessment_result(self) -> None:
        pk = random.choice(MANIFEST["assessment_ids"])
        self.page(f"/assessments/{pk}/", "assessment result", 'id="cpd-left"')

    @task(1)
    def api_lists(self) -> None:
        self.api(f"/api/v1/patients/?page={random.randint(1, 20)}", "API patients list")
        self.api(f"/api/v1/assessments/?patient={self._patient()}", "API assessments list")

    @task(1)
    def alerts(self) -> None:
        self.page("/programs/alerts/", "program alerts", "Program alerts")


class Athlete(ClinicUser):
    """On the phone after a run: today's exercises, logging the session, looking back."""

    role = "athletes"
    fixed_count = 20

    @task(4)
    def today(self) -> None:
        self.page("/portal/", "portal today", 'id="log-form"')

    @task(2)
    def history(self) -> None:
        self.page("/portal/history/", "portal history", "My history")

    @task(2)
    def log_session(self) -> None:
        html = self.page("/portal/", "portal today", 'id="log-form"')
        form = form_with(html, id="log-form")
        if form is None:
            return
        data = {**form.fields, "performed_on": clinic_today().isoformat(), "note": "Load run: felt strong."}
        for name in form.names:
            if name.endswith("-pain_during"):
                data[name] = str(random.randint(0, 4))
        self.submit("/portal/log/", data, "log a session", r"/portal/$")


class FrontDesk(ClinicUser):
    """The desk: today's and this week's schedule, finding a slot, booking, cancelling."""

    role = "front_desk"
    fixed_count = 10

    def on_start(self) -> None:
        super().on_start()
        self.patients = itertools.cycle(self.account["patient_ids"])
        self.booked: list[int] = []

    @task(3)
    def schedule_day(self) -> None:
        self.page("/schedule/", "schedule day", "Schedule")

    @task(1)
    def schedule_week(self) -> None:
        self.page("/schedule/?view=week", "schedule week", "Schedule")

    @task(2)
    def appointments_api(self) -> None:
        today = clinic_today()
        self.api(
            f"/api/v1/appointments/?starts_after={today.isoformat()}&page={random.randint(1, 4)}",
            "API appointments list",
        )

    @task(2)
    def book(self) -> None:
        first = clinic_today() + timedelta(days=MANIFEST["booking_from_days"])
        query = (
            f"appointment_type={MANIFEST['follow_up_type_id']}&clinician={self.account['clinician_id']}"
            f"&date_from={first.isoformat()}&date_to={(first + timedelta(days=30)).isoformat()}"
            f"&patient={next(self.patients)}"
        )
        html = self.page(f"/schedule/slots/?{query}", "slot search", "/schedule/book/?")
        links = re.findall(r'href="(/schedule/book/\?[^"]+)"', html)
        if not links:
            return
        form_html = self.page(links[0].replace("&amp;", "&"), "booking form", 'id="booking-form"')
        form = form_with(form_html, id="booking-form")
        if form is None:
            return
        location = self.submit("/schedule/book/", form.fields, "book appointment", r"/schedule/\d+/$")
        if location:
            self.booked.append(int(location.rstrip("/").rsplit("/", 1)[-1]))

    @task(1)
    def cancel(self) -> None:
        if not self.booked:
            return
        pk = self.booked.pop(random.randrange(len(self.booked)))
        self.page(f"/schedule/{pk}/", "appointment detail", 'id="cancel-form"')
        self.submit(
            f"/schedule/{pk}/cancel/", {"reason": "Athlete asked to cancel"}, "cancel appointment", rf"/schedule/{pk}/$"
        )
