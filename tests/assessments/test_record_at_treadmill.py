"""Record at the treadmill (issue 12 item 6): the visit page's upload form offers the phone's
camera beside the file chooser, with the framing checklist next to it; either control's clip is
the one uploaded."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests.assessments.conftest import CAM03

pytestmark = pytest.mark.django_db


def upload_form(client, clinician, visit) -> str:
    client.force_login(clinician)
    html = client.get(visit.get_absolute_url()).content.decode()
    return html[
        html.index('<form class="upload-form"') : html.index("</form>", html.index('<form class="upload-form"'))
    ]


def test_upload_form_offers_recording_with_the_back_camera_next_to_choosing_a_file(client, clinician, visit_a):
    form = upload_form(client, clinician, visit_a)
    record = re.search(r"<input [^>]*id=\"id_video_record\"[^>]*>", form).group(0)
    assert 'type="file"' in record and 'accept="video/*"' in record and 'capture="environment"' in record
    assert 'name="video"' in record  # without script the plain form post carries it too
    assert re.search(r'<label for="id_video_record"><strong>Record with the camera</strong></label>', form)
    chooser = re.search(r"<input [^>]*id=\"id_video\"[^>]*>", form).group(0)
    assert "capture" not in chooser and "required" not in chooser  # a recorded clip alone is enough
    assert 'aria-describedby="framing_checklist"' in record


def test_framing_checklist_is_shown_beside_the_camera_control(client, clinician, visit_a):
    form = upload_form(client, clinician, visit_a)
    checklist = form[form.index('id="framing_checklist"') :]
    checklist = re.sub(r"<[^>]+>", "", checklist[: checklist.index("</ul>")])
    for words in ("head to feet", "behind", "in front", "hip height", "10 seconds or more", "60 fps"):
        assert words in checklist, words


def test_form_names_the_resumable_endpoint_threshold_and_visit(client, clinician, visit_a, settings):
    settings.ASSESSMENT_RESUMABLE_THRESHOLD_BYTES = 12345
    form = upload_form(client, clinician, visit_a)
    assert f'data-resumable-endpoint="{reverse("api:upload-list")}"' in form
    assert 'data-resumable-threshold="12345"' in form and f'data-visit="{visit_a.pk}"' in form
    page = client.get(visit_a.get_absolute_url()).content.decode()
    assert page.index("vendor/tus-js-client/tus.min.js") < page.index("assessments/upload.js")


def test_plain_post_with_the_chooser_empty_uploads_the_recorded_clip(client, clinician, visit_a):
    """Browsers send the empty control as a part without a file name; the recorded clip is the one kept."""
    client.force_login(clinician)
    boundary = "stride-boundary"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename=""\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="VID_20261127_081500.mp4"\r\n'.encode(),
            b"Content-Type: video/mp4\r\n\r\n" + CAM03.read_bytes() + b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="view"\r\n\r\nposterior\r\n--{boundary}--\r\n'.encode(),
        ]
    )
    response = client.post(
        reverse("assessments:upload", args=[visit_a.pk]), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    assert Assessment.objects.get().original_filename == "VID_20261127_081500.mp4"
