"""Keyframes sized for the page and kept by the browser, a PDF whose keyframes fit the page, and
the player's words for an original the browser cannot play (issue 12, items 3 and 5)."""

from __future__ import annotations

import io
import itertools
import re

import cv2
import numpy as np
import pdfplumber
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus, private_storage
from assessments.services import retention

pytestmark = pytest.mark.django_db

PAGE_IMAGE_MAX_BYTES = 250 * 1024
PAGE_TRANSFER_MAX_BYTES = 2 * 1024 * 1024
PDF_MAX_BYTES = 2 * 1024 * 1024


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_result_page_of_cam03_transfers_under_2_mb_with_keyframes_under_250_kb(signed_in, analysed_a):
    page = signed_in.get(analysed_a.get_absolute_url())
    html = page.content.decode()
    keyframes = html.split('id="keyframes"')[1].split("</section>")[0]
    sources = re.findall(r'<img src="([^"]+)"', keyframes)
    assert len(sources) == len(analysed_a.keyframes) >= 2
    sizes = []
    for src in sources:
        response = signed_in.get(src.replace("&amp;", "&"))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        data = body(response)
        picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert max(picture.shape[:2]) == 960  # cam03 is 1088x1920: the long side shrunk to 960
        sizes.append(len(data))
    assert max(sizes) <= PAGE_IMAGE_MAX_BYTES, sizes
    assert len(page.content) + sum(sizes) <= PAGE_TRANSFER_MAX_BYTES
    # Each picture links to its full-size lossless PNG.
    full = re.findall(r'<a href="([^"]+)" title="Open at full size">', keyframes)
    response = signed_in.get(full[0].replace("&amp;", "&"))
    assert response["Content-Type"] == "image/png"
    assert cv2.imdecode(np.frombuffer(body(response), np.uint8), cv2.IMREAD_COLOR).shape[:2] == (1920, 1088)


@pytest.mark.parametrize("route", ["assessments:keyframe-page", "assessments:keyframe"])
def test_keyframes_are_privately_cacheable_and_revalidate_with_304(signed_in, analysed_a, route):
    url = reverse(route, args=[analysed_a.pk, 0])
    first = signed_in.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, max-age=86400"
    etag = first["ETag"]
    again = signed_in.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"].startswith("private, max-age=")
    assert signed_in.get(url, headers={"If-None-Match": '"another"'}).status_code == 200


def test_a_result_from_before_page_sized_keyframes_serves_its_png_on_the_page(signed_in, analysed_a):
    old_style = [{k: v for k, v in item.items() if k != "page_name"} for item in analysed_a.keyframes]
    Assessment.objects.filter(pk=analysed_a.pk).update(keyframes=old_style)
    response = signed_in.get(reverse("assessments:keyframe-page", args=[analysed_a.pk, 0]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert body(response).startswith(b"\x89PNG")


def _image_boxes(pdf: bytes) -> list[tuple[int, tuple[float, float, float, float], tuple[float, float]]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [
            (n, (im["x0"], im["top"], im["x1"], im["bottom"]), (float(page.width), float(page.height)))
            for n, page in enumerate(doc.pages)
            for im in page.images
        ]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] - 0.01 and b[0] < a[2] - 0.01 and a[1] < b[3] - 0.01 and b[1] < a[3] - 0.01


def _landscape_keyframes(assessment: Assessment) -> list[dict]:
    """The result's keyframes as a landscape clip has them (1920x1088 PNGs, the old full size)."""
    storage = private_storage()
    frames = []
    for item in assessment.keyframes:
        with storage.open(item["name"], "rb") as fh:
            portrait = cv2.imdecode(np.frombuffer(fh.read(), np.uint8), cv2.IMREAD_COLOR)
        ok, png = cv2.imencode(".png", cv2.rotate(portrait, cv2.ROTATE_90_CLOCKWISE))
        assert ok
        name = storage.save(f"assessments/{assessment.uid}/landscape/{item['frame']}.png", ContentFile(png.tobytes()))
        frames.append({k: v for k, v in item.items() if k != "page_name"} | {"name": name})
    return frames


@pytest.mark.parametrize("shape", ["portrait", "landscape"])
def test_report_pdf_keyframes_do_not_overlap_stay_on_the_page_and_the_pdf_is_under_2_mb(signed_in, analysed_a, shape):
    if shape == "landscape":
        Assessment.objects.filter(pk=analysed_a.pk).update(keyframes=_landscape_keyframes(analysed_a))
    response = signed_in.get(reverse("assessments:visit-report-pdf", args=[analysed_a.visit_id]))
    pdf = body(response)
    assert len(pdf) < PDF_MAX_BYTES
    boxes = _image_boxes(pdf)
    assert len(boxes) == min(len(analysed_a.keyframes), 4) >= 2
    for _n, (x0, top, x1, bottom), (width, height) in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= top < bottom <= height
        # The picture keeps its shape (not squeezed to fit).
        assert ((x1 - x0) > (bottom - top)) == (shape == "landscape")
    for (na, a, _), (nb, b, _) in itertools.combinations(boxes, 2):
        assert na != nb or not _overlap(a, b), (a, b)


def _hevc(assessment: Assessment, **changes: object) -> Assessment:
    meta = {**assessment.video_meta, "codec": "hevc", "container": "mov"}
    Assessment.objects.filter(pk=assessment.pk).update(video_meta=meta, **changes)
    assessment.refresh_from_db()
    return assessment


def test_player_plays_the_original_when_the_browser_can(signed_in, analysed_a):
    html = signed_in.get(analysed_a.get_absolute_url()).content.decode()
    assert (
        f'id="original-video" controls preload="metadata" playsinline src="{reverse("assessments:video", args=[analysed_a.pk])}"'
        in html
    )
    assert 'id="playback-note"' not in html


def test_player_says_in_words_when_an_hevc_original_cannot_play_yet_or_at_all(signed_in, analysed_a):
    running = _hevc(analysed_a, status=AssessmentStatus.PROCESSING)
    html = signed_in.get(running.get_absolute_url()).content.decode()
    assert "This video&#x27;s format (HEVC) cannot play in the browser; a playable copy is being made." in html
    assert 'id="original-video"' not in html

    failed = dict(analysed_a.result)
    failed["outputs"] = {**failed["outputs"], "playback_error": "A playable copy of this video could not be made."}
    done = _hevc(analysed_a, status=AssessmentStatus.DONE, result=failed)
    html = signed_in.get(done.get_absolute_url()).content.decode()
    assert "cannot play in the browser, and a playable copy could not be made" in html
    assert 'id="original-video"' not in html and "Download the original" in html


def test_player_plays_the_playable_copy_and_retention_removes_it_with_the_original(
    signed_in, analysed_a, api_as, clinician
):
    storage = private_storage()
    name = storage.save(f"assessments/{analysed_a.uid}/playback.mp4", ContentFile(b"\x00\x00\x00\x18ftypisom" * 64))
    with_copy = _hevc(analysed_a, playback=name)
    html = signed_in.get(with_copy.get_absolute_url()).content.decode()
    assert f'src="{reverse("assessments:playback", args=[with_copy.pk])}"' in html
    assert "cannot play in the browser; this is a playable copy." in html
    response = signed_in.get(reverse("assessments:playback", args=[with_copy.pk]))
    assert response["Content-Type"] == "video/mp4" and body(response).startswith(b"\x00\x00\x00\x18ftyp")
    api = api_as(clinician).get(f"/api/v1/assessments/{with_copy.pk}/").json()
    assert api["urls"]["playback"] == reverse("assessments:playback", args=[with_copy.pk])

    assert retention.assessment_remove_videos(assessment_id=with_copy.pk, reason="on request")
    with_copy.refresh_from_db()
    assert with_copy.playback.name == "" and not storage.exists(name)
    assert signed_in.get(reverse("assessments:playback", args=[with_copy.pk])).status_code == 404
