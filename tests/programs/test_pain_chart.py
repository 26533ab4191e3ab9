"""The clinician's pain chart: pain 0-10 on a named axis, the session dates under it, and a text
alternative that sums it up (WCAG 1.1.1)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.programs.conftest import log

pytestmark = pytest.mark.django_db


def test_pain_chart_has_axes_dates_and_a_summary(client, clinician, athlete_a, prescription_a):
    today = timezone.localdate()
    for days_ago, pain in ((5, 2), (3, 6), (1, 1)):
        log(prescription_a, days_ago=days_ago, pain=pain, morning=1)
    client.force_login(clinician)
    page = client.get(f"/programs/patients/{athlete_a[1].pk}/").content.decode()
    chart = re.search(r'<svg class="trend".*?</svg>', page, re.S)
    assert chart is not None
    svg = chart.group(0)
    assert 'aria-labelledby="pain-title pain-desc"' in svg
    assert ">Pain (0-10)</text>" in svg and ">Session date</text>" in svg
    for pain in (0, 3, 5, 10):
        assert f'text-anchor="end">{pain}</text>' in svg
    for days_ago in (5, 3, 1):
        day = today - datetime.timedelta(days=days_ago)
        assert f">{day.day} {day:%b}</text>" in svg
    first, last = today - datetime.timedelta(days=5), today - datetime.timedelta(days=1)
    desc = re.search(r'<desc id="pain-desc">(.*?)</desc>', svg, re.S).group(1)
    assert f"3 sessions from {first.day} {first:%b} to {last.day} {last:%b %Y}" in desc
    peak = today - datetime.timedelta(days=3)
    assert f"the latest 1/10 during, the highest 6/10 on {peak.day} {peak:%b}" in desc
