"""The visit report shows pictures from the video only where the patient's consent covers reports
(issue 16: consent to film and analyse, and to use the video in reports, are two scopes)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from patients.consents import consent_record

pytestmark = pytest.mark.django_db

WITHHELD = "Pictures from the video are left out of this report"


def _report(client, assessment):
    page = client.get(reverse("assessments:visit-report", args=[assessment.visit_id])).content.decode()
    pdf = client.get(reverse("assessments:visit-report-pdf", args=[assessment.visit_id])).content
    reader = PdfReader(io.BytesIO(pdf))
    images = sum(len(p.images) for p in reader.pages)
    text = " ".join(p.extract_text() for p in reader.pages)
    return page, images, " ".join(text.split())


def test_keyframes_leave_the_report_when_consent_no_longer_covers_reports(client, clinician, analysed_a):
    assert analysed_a.keyframes  # the real clip's midstance pictures
    client.force_login(clinician)
    page, images, text = _report(client, analysed_a)
    assert 'class="keyframe"' in page and images >= 1 and WITHHELD not in page

    consent_record(patient=analysed_a.visit.patient, recorded_by=clinician, film_and_analyse=True, use_in_reports=False)
    page, images, text = _report(client, analysed_a)

    assert 'class="keyframe"' not in page and images == 0
    assert WITHHELD in page and WITHHELD in text
    assert analysed_a.visit.patient.last_name in page  # the report itself, numbers and all, stays
