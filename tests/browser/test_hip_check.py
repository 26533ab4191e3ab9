"""The manual hip-point check in a real browser: mouse drag and keyboard move the points, the CPD
by hand updates live, the read is saved and feeds the clinic agreement page; no CSP violation."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from tests.assessments.test_hip_check import with_keyframe
from tests.browser_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""


def test_hip_points_by_mouse_and_keyboard_feed_the_agreement_page(page, clinician, visit_a, tmp_path):
    first = with_keyframe(visit_a, side="left", engine_cpd=6.0)
    second = with_keyframe(visit_a, side="right", engine_cpd=-2.0)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, "clin")
    page.wait_for_url("**/today/")  # a clinician lands on Today

    page.goto(first.get_absolute_url())
    with page.expect_navigation():
        page.click("#keyframes a.check-hips")
    page.wait_for_function("document.getElementById('hipcheck-image').naturalWidth > 0")
    box = page.locator("#hipcheck-image").bounding_box()
    scale = box["width"] / 400  # the keyframe is 400 x 300 px

    def drag(marker: str, x: float, y: float) -> None:
        handle = page.locator(marker).bounding_box()
        page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=5)
        page.mouse.up()

    drag("#marker-left", 100, 150)
    drag("#marker-right", 300, 150)
    assert page.locator("#manual-cpd").inner_text() == "+0.0"
    # Keyboard: the right (swing) hip 20 px lower, with Shift + ArrowDown twice.
    page.focus("#marker-right")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    expected = math.degrees(math.atan2(20, 200))
    assert float(page.locator("#manual-cpd").inner_text()) == pytest.approx(expected, abs=0.15 / scale)
    folder = Path(os.environ.get("STRIDE_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(folder / "hip-check.png"), full_page=True)
    with page.expect_navigation():
        page.click("#save-check")
    assert "by hand" in page.locator(".msg").inner_text()
    assert page.locator("#saved-read").count() == 1

    # The second keyframe by keyboard only: right stance, the left (swing) hip 5 px higher.
    page.goto(f"/assessments/{second.pk}/keyframes/0/check/")
    page.wait_for_function("document.getElementById('hipcheck-image').naturalWidth > 0")
    page.focus("#marker-left")
    for _ in range(5):
        page.keyboard.press("ArrowUp")
    # Start points: 45% and 55% of 400 px wide (40 px apart), both at mid-height.
    assert float(page.locator("#manual-cpd").inner_text()) == pytest.approx(math.degrees(math.atan2(-5, 40)), abs=0.05)
    with page.expect_navigation():
        page.click("#save-check")

    page.goto("/assessments/agreement/")
    page.screenshot(path=str(folder / "agreement.png"), full_page=True)
    assert page.locator("#agreement-n").inner_text() == "2"
    assert page.locator("#agreement-table tbody tr").count() == 2
    assert page.evaluate("window.__cspViolations") == []
