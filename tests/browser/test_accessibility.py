"""Every page each role uses passes axe-core's WCAG 2.2 AA rules, at desktop and at phone width.

The clinic is the demo's (``seed_demo``: eight patients, a week of bookings, the athlete's
programme and logs) with the demo assessment analysed for real (the cam03 clip) and a second,
earlier one for the trend and the comparison. One signed-in browser context per role walks its
pages; each page is checked at 1280x800 and again at 390x844. Forms are also checked showing
their errors. axe-core is a vendored test asset (tests/browser/assets/), injected by Playwright,
so the pages' CSP stays as it is in production.
"""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from assessments.models import Assessment
from assessments.services.self_checks import self_check_review
from demo.seed import DEMO_LOGINS, seed_demo
from patients.models import Patient
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentType
from tests.browser.axe_review import AXE_JS, REVIEWED, Finding, Reviewed, axe_findings
from tests.browser_fixtures import sign_in
from tests.factories import AssessmentFactory
from tests.programs.conftest import ensure_exercise_library
from tests.two_factor import authenticator_for, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORDS = {login.username: login.password for login in DEMO_LOGINS}


def _ensure_appointment_types() -> None:
    # Transactional tests flush the rows the data migration seeded; its own seed puts them back.
    if not AppointmentType.objects.exists():
        importlib.import_module("scheduling.migrations.0002_seed_appointment_types").seed(apps, None)


@pytest.fixture
def demo_clinic(transactional_db, finish):
    """The demo clinic, its assessment analysed, plus an earlier one and one still running."""
    ensure_exercise_library()
    _ensure_appointment_types()
    seed_demo()
    alex = Patient.objects.get(first_name="Alex", last_name="Morgan")
    latest = finish(Assessment.objects.get(patient=alex))
    earlier_visit = alex.visits.order_by("visit_date").first()
    AssessmentFactory(visit=earlier_visit, created_by=latest.created_by, original_filename="first-visit.mp4")
    jordan_visit = Patient.objects.get(first_name="Jordan").visits.order_by("visit_date").last()
    running = AssessmentFactory(
        visit=jordan_visit,
        created_by=latest.created_by,
        status="running",
        progress=40,
        analysed_at=None,
        finished_at=None,
        result=None,
        cpd_left_mean_deg=None,
        cpd_right_mean_deg=None,
        mean_cpd_deg=None,
    )
    # Two self-checks Alex sent from the portal: one waiting for review, one reviewed into the trend.
    waiting = AssessmentFactory(visit=None, patient=alex, source="self_check", created_by=alex.user)
    reviewed = AssessmentFactory(visit=None, patient=alex, source="self_check", created_by=alex.user)
    self_check_review(
        assessment=reviewed,
        comment="Smooth and steady, Alex: keep going with the side planks.",
        add_to_trend=True,
        reviewed_by=latest.created_by,
    )
    return {"alex": alex, "latest": latest, "running": running, "self_check": waiting, "reviewed_self_check": reviewed}


class Walk:
    """Checks pages at both widths and keeps what axe found, page by page."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.findings: list[Finding] = []
        self.reviewed_seen: set[Reviewed] = set()
        self.views = 0
        self.pages: list[str] = []

    def context(self) -> Any:
        context = self.browser.new_context(base_url=self.base_url, viewport=DESKTOP)
        # An init script is injected by the browser, not by the page: the CSP does not apply to it.
        context.add_init_script(path=str(AXE_JS))
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    def check(self, page: Any, label: str) -> None:
        """axe at desktop width, then at phone width, on the page as it is now."""
        self.pages.append(label)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            self.findings += axe_findings(page, label, self.reviewed_seen)
            self.views += 1
        page.set_viewport_size(DESKTOP)

    def visit(self, page: Any, path: str, label: str | None = None) -> None:
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        self.check(page, label or path)


def _submit_empty(page: Any, form: str = "main form") -> None:
    """Send the form as it is, past the browser's own checks, to see the server's errors."""
    with page.expect_navigation():
        page.locator(form).first.evaluate("f => { f.noValidate = true; f.requestSubmit(); }")


def _sign_in(walk: Walk, username: str, *, check: bool = False) -> Any:
    page = walk.context()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if "/accounts/two-factor/" in page.url:
        if check:
            walk.check(page, "two-factor step")
        page.fill("#id_code", current_code(authenticator_for(User.objects.get(username=username))))
        with page.expect_navigation():
            page.click("main button[type=submit]")
    assert "/accounts/" not in page.url, page.url
    return page


def _anonymous(walk: Walk) -> None:
    page = walk.context()
    walk.visit(page, "/accounts/login/", "sign-in")
    page.fill("#id_username", "clinician")
    page.fill("#id_password", "not the password")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    walk.check(page, "sign-in, wrong password")
    walk.visit(page, "/accounts/password_reset/", "password reset")
    _submit_empty(page)
    walk.check(page, "password reset, empty")
    walk.visit(page, "/accounts/password_reset/done/", "password reset sent")
    athlete = User.objects.get(username="athlete")
    uid, token = urlsafe_base64_encode(force_bytes(athlete.pk)), default_token_generator.make_token(athlete)
    walk.visit(page, f"/accounts/reset/{uid}/{token}/", "password reset, new password")
    _submit_empty(page)
    walk.check(page, "password reset, new password with errors")
    walk.visit(page, "/accounts/reset/done/", "password reset done")
    walk.visit(page, f"/accounts/invite/{uid}/{token}/", "invitation")
    walk.visit(page, "/no-such-page/", "404, signed out")
    page.context.close()


def _clinician(walk: Walk, demo_clinic: dict[str, Any]) -> None:
    page = _sign_in(walk, "clinician", check=True)
    alex, latest = demo_clinic["alex"], demo_clinic["latest"]
    visit = latest.visit
    walk.visit(page, "/today/", "today")
    walk.visit(page, "/schedule/", "schedule day, clinician")
    walk.visit(page, "/patients/", "patient list")
    walk.visit(page, f"/patients/{alex.pk}/", "patient detail")
    walk.visit(page, f"/patients/{alex.pk}/edit/", "patient edit")
    walk.visit(page, "/patients/new/", "patient new")
    _submit_empty(page)
    walk.check(page, "patient new, with errors")
    walk.visit(page, f"/patients/{alex.pk}/intake/", "intake")
    walk.visit(page, f"/patients/{alex.pk}/consent/", "video consent")
    walk.visit(page, "/exports/", "data exports")
    walk.visit(page, f"/patients/{alex.pk}/complaints/new/", "complaint new")
    walk.visit(page, f"/patients/{alex.pk}/visits/new/", "visit new")
    walk.visit(page, f"/patients/{alex.pk}/invite/", "portal invitation")
    walk.visit(page, f"/patients/{alex.pk}/visits/{visit.pk}/", "visit with upload form")
    walk.visit(page, f"/patients/{alex.pk}/visits/{visit.pk}/edit/", "visit edit")
    walk.visit(page, latest.get_absolute_url(), "assessment result")
    walk.visit(page, demo_clinic["running"].get_absolute_url(), "assessment running")
    walk.visit(page, "/assessments/self-checks/", "self-check review list")
    walk.visit(page, demo_clinic["self_check"].get_absolute_url(), "self-check to review")
    walk.visit(page, demo_clinic["reviewed_self_check"].get_absolute_url(), "self-check reviewed")
    walk.visit(page, f"/assessments/patients/{alex.pk}/trend/", "trend")
    walk.visit(page, f"/assessments/patients/{alex.pk}/compare/", "compare")
    walk.visit(page, f"/assessments/visits/{visit.pk}/report/", "visit report")
    walk.visit(page, "/programs/", "programme list")
    prescription = alex.prescriptions.first()
    walk.visit(page, f"/programs/{prescription.program_id}/", "programme detail")
    walk.visit(page, "/programs/new/", "programme new")
    walk.visit(page, f"/programs/patients/{alex.pk}/", "athlete progress")
    walk.visit(page, f"/programs/patients/{alex.pk}/prescribe/", "prescribe")
    item = prescription.items.order_by("order").first()
    walk.visit(page, f"/programs/prescriptions/{prescription.pk}/revise/?item={item.pk}", "revise dosage")
    walk.visit(page, "/programs/alerts/", "programme alerts")
    walk.visit(page, "/programs/exercises/", "exercise library")
    exercise = item.exercise
    walk.visit(page, f"/programs/exercises/{exercise.slug}/", "exercise detail")
    walk.visit(page, f"/schedule/follow-up/{visit.pk}/?weeks=2", "follow-up slots")
    walk.visit(page, "/schedule/feed/", "calendar feed")
    walk.visit(page, "/schedule/reminders/", "403, clinician")
    walk.visit(page, "/patients/999999/", "404, clinician")
    page.context.close()


def _front_desk(walk: Walk, demo_clinic: dict[str, Any]) -> None:
    page = _sign_in(walk, "frontdesk")
    alex = demo_clinic["alex"]
    walk.visit(page, "/patients/", "patient list, front desk")
    walk.visit(page, f"/patients/{alex.pk}/", "patient detail, front desk")
    walk.visit(page, "/schedule/", "schedule day")
    tomorrow = timezone.localdate() + timedelta(days=1)
    walk.visit(page, f"/schedule/?view=week&date={tomorrow.isoformat()}", "schedule week")
    walk.visit(page, "/schedule/slots/", "slot search")
    follow_up = AppointmentType.objects.get(name="Follow-up")
    date_to = (timezone.localdate() + timedelta(days=7)).isoformat()
    walk.visit(
        page,
        f"/schedule/slots/?patient={alex.pk}&appointment_type={follow_up.pk}&date_from={tomorrow}&date_to={date_to}",
        "slot search results",
    )
    walk.visit(page, "/schedule/book/", "booking")
    _submit_empty(page)
    walk.check(page, "booking, with errors")
    appointment = Appointment.objects.filter(patient=alex).order_by("starts_at").first()
    assert appointment is not None
    walk.visit(page, f"/schedule/{appointment.pk}/", "appointment")
    later = Appointment.objects.filter(status="booked", starts_at__gt=timezone.now()).order_by("starts_at").last()
    assert later is not None  # the demo books follow-ups ahead
    walk.visit(page, f"/schedule/{later.pk}/cancel/", "cancel confirmation")
    _submit_empty(page, "#cancel-form")
    walk.check(page, "cancel confirmation, with errors")
    scheduling_services.appointment_cancel(appointment=later, cancelled_by=later.created_by, reason="Athlete unwell")
    walk.visit(page, f"/schedule/{later.pk}/", "appointment, cancelled with undo")
    walk.visit(
        page,
        f"/schedule/?date={timezone.localdate(later.starts_at).isoformat()}&cancelled=1",
        "schedule day, cancelled shown",
    )
    walk.visit(page, "/schedule/reminders/", "reminders")
    walk.visit(page, "/schedule/hours/", "working hours")
    walk.visit(page, "/programs/", "403, front desk")
    page.context.close()


def _athlete(walk: Walk, demo_clinic: dict[str, Any]) -> None:
    page = _sign_in(walk, "athlete")
    alex = demo_clinic["alex"]
    walk.visit(page, "/portal/", "portal today")
    walk.visit(page, "/portal/history/", "portal history")
    walk.visit(page, "/portal/self-checks/", "my self-checks")
    walk.visit(page, f"/portal/self-checks/{demo_clinic['self_check'].pk}/", "my self-check, waiting")
    walk.visit(page, f"/portal/self-checks/{demo_clinic['reviewed_self_check'].pk}/", "my self-check, reviewed")
    walk.visit(page, "/patients/me/", "my record")
    walk.visit(page, "/exports/", "my data exports")
    visit = demo_clinic["latest"].visit
    walk.visit(page, f"/patients/{alex.pk}/visits/{visit.pk}/", "my visit")
    walk.visit(page, "/schedule/", "my schedule")
    appointment = Appointment.objects.filter(patient=alex).order_by("starts_at").first()
    assert appointment is not None
    walk.visit(page, f"/schedule/{appointment.pk}/", "my appointment")
    walk.visit(page, "/patients/", "403, athlete")
    page.context.close()


def _admin(walk: Walk) -> None:
    page = _sign_in(walk, "admin")
    walk.visit(page, "/patients/", "patient list, admin")
    walk.visit(page, "/admin/", "admin site")
    page.context.close()


def test_every_page_of_every_role_passes_axe_wcag_22_aa_at_desktop_and_phone_width(browser, live_server, demo_clinic):
    walk = Walk(browser, live_server.url)
    _anonymous(walk)
    _clinician(walk, demo_clinic)
    _front_desk(walk, demo_clinic)
    _athlete(walk, demo_clinic)
    _admin(walk)
    by_rule = Counter(f"{f.kind} {f.rule}" for f in walk.findings)
    print(f"\naxe: {walk.views} page views of {len(walk.pages)} pages; {dict(by_rule) or 'nothing found'}")
    assert walk.views >= 100
    assert walk.findings == [], "\n" + "\n".join(str(f) for f in walk.findings)
    # The reviewed list stays true: an entry no page needs any more is taken out.
    assert [r for r in REVIEWED if r not in walk.reviewed_seen] == []


def test_the_first_tab_stop_skips_to_the_page_content(page, clinician, visit_a):
    sign_in(page, "clin")
    page.goto(visit_a.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()  # shown once it has focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, past the navigation
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_video_is_chosen_from_the_keyboard_in_one_tab_stop(page, clinician, visit_a):
    sign_in(page, "clin")
    page.goto(visit_a.get_absolute_url())
    page.focus("#assessments a:has-text('Visit report')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_video"
    assert page.locator("label[for=id_video]").inner_text().startswith("Drop the treadmill video here")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files("tests/data/pose2sim_cam03_posterior.mp4")
    assert "pose2sim_cam03_posterior.mp4" in page.locator(".file-name").inner_text()
