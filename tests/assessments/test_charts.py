"""The server-drawn charts name their axes and dates and carry a text alternative (WCAG 1.1.1)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AssessmentFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _desc(page: str, chart: str) -> str:
    match = re.search(rf'<desc id="{chart}-desc">(.*?)</desc>', page, re.S)
    assert match is not None, f"no text alternative on the {chart} chart"
    assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
    return match.group(1)


def test_trend_chart_has_axis_titles_dated_ticks_and_a_summary_with_dates(client, clinician, athlete_a):
    today = timezone.localdate()
    first, last = today - datetime.timedelta(days=60), today - datetime.timedelta(days=2)
    for day, left in ((first, 9.0), (last, 4.0)):
        visit = VisitFactory(patient=athlete_a[1], clinician=clinician, visit_date=day)
        AssessmentFactory(visit=visit, cpd_left_mean_deg=left, cpd_right_mean_deg=4.5)
    client.force_login(clinician)
    page = client.get(reverse("assessments:trend", args=[athlete_a[1].pk])).content.decode()
    assert '<text class="axis-title"' in page and ">Visit date</text>" in page and ">CPD (°)</text>" in page
    assert f">{first:%d %b %Y}</text>" in page and f">{last:%d %b %Y}</text>" in page
    summary = _desc(page, "trend")
    assert f"CPD left (posterior): 9.0° on {first:%d %b %Y}, 4.0° on {last:%d %b %Y}." in summary
    assert "the table below" in summary


def test_obliquity_chart_has_axis_titles_and_a_summary(client, clinician, analysed_a):
    client.force_login(clinician)
    page = client.get(analysed_a.get_absolute_url()).content.decode()
    assert ">Time (seconds)</text>" in page and ">Obliquity (°)</text>" in page
    summary = _desc(page, "obliquity")
    measured = sum(1 for v in analysed_a.result["frames"]["pelvic_obliquity_deg"] if v is not None)
    assert f"{measured} frames measured" in summary and "stances table" in summary


def test_first_keyframe_loads_at_once_and_every_keyframe_has_its_size(client, clinician, analysed_a):
    client.force_login(clinician)
    page = client.get(analysed_a.get_absolute_url()).content.decode()
    images = re.findall(r'<img src="/assessments/\d+/keyframes/\d+/page/\?v=[0-9a-f]+"[^>]*>', page)
    assert len(images) == len(analysed_a.keyframes) >= 1
    size = f'width="{analysed_a.video_meta["width"]}" height="{analysed_a.video_meta["height"]}"'
    assert all(size in image for image in images)
    assert 'loading="lazy"' not in images[0] and 'fetchpriority="high"' in images[0]
    assert all('loading="lazy"' in image for image in images[1:])
