"""The private video stream: byte ranges so the player can seek, and headers that keep it private."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.streaming import parse_range
from tests.assessments.conftest import CAM03

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def video_url(client, clinician, uploaded):
    client.force_login(clinician)
    return reverse("assessments:video", args=[uploaded.pk])


def test_range_request_returns_206_with_exactly_those_bytes(client, video_url):
    data = CAM03.read_bytes()
    response = client.get(video_url, headers={"range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert response["Content-Length"] == "1000"
    assert body(response) == data[1000:2000]


def test_open_ended_and_suffix_ranges(client, video_url):
    data = CAM03.read_bytes()
    tail = client.get(video_url, headers={"range": f"bytes={len(data) - 10}-"})
    assert tail.status_code == 206 and body(tail) == data[-10:]
    suffix = client.get(video_url, headers={"range": "bytes=-500"})
    assert suffix.status_code == 206 and body(suffix) == data[-500:]
    assert suffix["Content-Range"] == f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}"


def test_whole_file_without_range_advertises_ranges_and_is_not_cached(client, video_url):
    response = client.get(video_url)
    assert response.status_code == 200
    assert body(response) == CAM03.read_bytes()
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert "no-store" in response["Cache-Control"]


def test_range_past_the_end_is_416(client, video_url):
    size = CAM03.stat().st_size
    response = client.get(video_url, headers={"range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_the_video_is_not_reachable_under_media_url(client, clinician, uploaded):
    client.force_login(clinician)
    assert client.get("/media/" + uploaded.video.name).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=5-", (5, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=100-", "unsatisfiable"),
        ("bytes=7-3", "unsatisfiable"),
        ("items=0-5", None),
        ("bytes=0-1,5-6", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


def test_a_range_of_thousands_of_digits_is_416_not_a_server_error(client, video_url):
    """int() refuses more than 4300 digits (a ValueError, a 500 before); it starts past any file."""
    size = CAM03.stat().st_size
    response = client.get(video_url, headers={"range": "bytes=" + "9" * 5000 + "-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_huge_range_ends_and_suffixes_mean_the_whole_file(client, video_url):
    data = CAM03.read_bytes()
    for header in ("bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000, "bytes=" + "0" * 5000 + "0-"):
        response = client.get(video_url, headers={"range": header})
        assert response.status_code == 206, header[:20]
        assert response["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
        assert body(response) == data


@pytest.mark.parametrize("header", ["bytes=٣-", "bytes=\x00-", "bytes=--1", "bytes=1-2-3"])
def test_ranges_that_are_not_ascii_digits_get_the_whole_file(header):
    assert parse_range(header, 100) is None
