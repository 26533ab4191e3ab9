"""In a real browser, the main pages and the API docs run under the CSP without a single violation."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Injected by Playwright before any page script (not subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_main_pages_and_api_docs_load_with_no_csp_violation(page, clinician, visit_a):
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.context.add_init_script(RECORD_VIOLATIONS)
    patient = visit_a.patient

    page.goto("/accounts/login/")
    assert _violations(page) == []
    sign_in(page, "clin")
    page.wait_for_url("**/patients/")
    assert page.locator("table.table tbody tr").count() == 1
    assert _violations(page) == []

    for url, text in [
        (f"/patients/{patient.pk}/", patient.last_name),
        (f"/patients/{patient.pk}/visits/{visit_a.pk}/", visit_a.plan),
    ]:
        response = page.goto(url)
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert text in page.locator("body").inner_text()
        assert _violations(page) == [], url

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Stride Clinic API" in page.locator(".swagger-ui .info .title").inner_text()
    assert _violations(page) == []
    assert [error for error in console_errors if "Content Security Policy" in error] == []
