"""A URLconf for tests: the project's routes (and error handlers) plus two that fail inside."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from clinic.urls import *  # noqa: F403  (the real handler400/403/404/500 come with it)
from clinic.urls import urlpatterns as project_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not the client's mistake")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not the client's mistake")


urlpatterns = [
    path("api/v1/test-failure/", api_fail, name="test-api-failure"),
    path("test-failure/", fail, name="test-page-failure"),
    *project_urlpatterns,
]
