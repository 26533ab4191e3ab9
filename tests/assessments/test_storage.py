"""Storage backends without a local path (S3 and the like): the worker copies the video to a temp
file, and the stream seeks through the storage API."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.test import RequestFactory

from assessments.services import _local_copy
from assessments.streaming import ranged_file_response
from tests.assessments.conftest import CAM03

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote_storage():
    storage = InMemoryStorage()
    storage.save("assessments/x/original.mp4", ContentFile(CAM03.read_bytes()))
    return storage


def test_worker_fetches_a_video_from_a_storage_without_local_paths(uploaded, remote_storage, tmp_path):
    uploaded.video.storage = remote_storage
    uploaded.video.name = "assessments/x/original.mp4"
    local = _local_copy(uploaded, tmp_path)
    assert local.parent == tmp_path
    assert local.read_bytes() == CAM03.read_bytes()


def test_range_stream_seeks_through_the_storage_api(remote_storage):
    request = RequestFactory().get("/", headers={"range": "bytes=100-199"})
    response = ranged_file_response(
        request, storage=remote_storage, name="assessments/x/original.mp4", content_type="video/mp4"
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == CAM03.read_bytes()[100:200]


def test_private_storage_is_the_configured_backend(settings):
    from assessments.models import Assessment, private_storage

    field_storage = Assessment._meta.get_field("video").storage
    assert type(field_storage) is type(private_storage())
    assert str(field_storage.location) == str(settings.PRIVATE_MEDIA_ROOT)
    assert not str(field_storage.location).startswith(str(settings.MEDIA_ROOT))
