"""The clinician's manual hip-point check on a keyframe and the clinic agreement page (issue 13)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import ManualHipCheck, private_storage
from audit.models import AuditEvent
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


def with_keyframe(visit, side="left", engine_cpd=6.0, **kwargs):
    _ok, png = cv2.imencode(".png", np.full((300, 400, 3), 120, dtype=np.uint8))
    name = private_storage().save(f"assessments/test/keyframes/{side}.png", ContentFile(png.tobytes()))
    frames = [{"side": side, "kind": "median", "frame": 42, "cpd_midstance_deg": engine_cpd, "name": name}]
    return AssessmentFactory(visit=visit, keyframes=frames, **kwargs)


def post_points(client, assessment, left, right):
    url = reverse("assessments:keyframe-check", args=[assessment.pk, 0])
    data = {"left_x": left[0], "left_y": left[1], "right_x": right[0], "right_y": right[1]}
    return client.post(url, data)


def test_hand_placed_hips_give_cpd_beside_the_engine_value(client, clinician, visit_a):
    assessment = with_keyframe(visit_a, side="left", engine_cpd=6.0)
    client.force_login(clinician)
    page = client.get(reverse("assessments:keyframe-check", args=[assessment.pk, 0])).content.decode()
    assert 'id="hipcheck"' in page and "hipcheck.js" in page and "<script>" not in page
    # Left stance: the swing (right) hip 20 px lower over 200 px -> atan2(20, 200) = +5.71 deg.
    response = post_points(client, assessment, (100, 150), (300, 170))
    assert response.status_code == 302
    check = ManualHipCheck.objects.get()
    assert check.manual_cpd_deg == pytest.approx(math.degrees(math.atan2(20, 200)))
    assert check.engine_cpd_deg == 6.0 and check.difference_deg == pytest.approx(0.29, abs=0.01)
    assert check.checked_by == clinician
    assert AuditEvent.objects.filter(summary__contains="manual hip check").exists()
    # A second read by the same clinician replaces the first.
    post_points(client, assessment, (100, 170), (300, 150))
    assert ManualHipCheck.objects.get().manual_cpd_deg == pytest.approx(-5.71, abs=0.01)


def test_points_on_top_of_each_other_are_refused_with_a_reason(client, clinician, visit_a):
    assessment = with_keyframe(visit_a)
    client.force_login(clinician)
    response = post_points(client, assessment, (200, 150), (200.5, 150))
    assert response.status_code == 400 and "one on each hip" in response.content.decode()
    assert not ManualHipCheck.objects.exists()


def test_a_not_measurable_result_has_no_keyframe_to_check(client, clinician, visit_a):
    flags = [{"code": "sideways_view", "message": "The athlete seems to be filmed from the side."}]
    assessment = with_keyframe(visit_a, result={"quality": {"ok": False, "flags": flags}})
    client.force_login(clinician)
    assert client.get(reverse("assessments:keyframe-check", args=[assessment.pk, 0])).status_code == 404


def test_agreement_page_gives_bias_and_limits_with_n(client, clinician, visit_a):
    client.force_login(clinician)
    # Engine 6.0 on each; by hand 5.71, 4.0 and 7.0 deg (a 200 px hip line, the swing hip lower).
    for dy in (20, 14, 24.6):
        post_points(client, with_keyframe(visit_a), (100, 150), (300, 150 + dy))
    page = client.get(reverse("assessments:agreement")).content.decode()
    diffs = [6.0 - math.degrees(math.atan2(dy, 200)) for dy in (20, 14, 24.6)]
    bias, sd = float(np.mean(diffs)), float(np.std(diffs, ddof=1))
    assert '<dd id="agreement-n">3</dd>' in page
    assert f"{bias:+.2f}°" in page
    assert f"{bias - 1.96 * sd:+.2f}° to {bias + 1.96 * sd:+.2f}°" in page


def test_the_front_desk_sees_no_agreement_data(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("assessments:agreement")).status_code == 403
