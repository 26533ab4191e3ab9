"""Resumable upload over HTTP: tus 1.0.0 (https://tus.io/protocols/resumable-upload) under /api/v1/uploads/.

``POST /uploads/`` creates an upload (Upload-Length, Upload-Metadata: visit, view, capture_fps,
filename); ``HEAD /uploads/<id>/`` tells its offset; ``PATCH`` appends at that offset;
``DELETE`` gives it up; ``OPTIONS`` describes the server. Only the user who created an upload
reaches it (404 for anyone else). The protocol's rules live in ``services.resumable``.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from django.core.exceptions import BadRequest, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import ResumableUpload
from assessments.services import resumable
from assessments.services.upload import UploadTooLarge, max_upload_bytes
from clinic.query import parse_id
from clinic.ratelimit import UploadThrottle
from patients.selectors import visit_queryset_for

OFFSET_STREAM = "application/offset+octet-stream"


def _header(name: str, description: str, *, required: bool = True) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.HEADER, required=required, description=description)


TUS_RESUMABLE = _header("Tus-Resumable", "1.0.0")


class CanUpload(BasePermission):
    message = "Only clinicians upload videos (and athletes their own self-checks)."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(
            request.user.has_perm("assessments.add_assessment") or request.user.has_perm("assessments.add_self_check")
        )


def _whole_number(value: str | None, header: str) -> int:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        raise resumable.TusError(400, f"{header} must be a whole number of bytes.")
    return int(value)


def _state_headers(upload: ResumableUpload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset_bytes),
        "Upload-Length": str(upload.length_bytes),
        "Upload-Expires": format_datetime(upload.expires_at, usegmt=True),
        "Cache-Control": "no-store",
    }
    if upload.assessment_id is not None:
        # Where the finished clip's assessment is: the page goes there when the last piece is in (an
        # athlete's self-check: their portal page of it).
        page = "assessments:detail" if upload.visit_id is not None else "self-checks:detail"
        headers["Assessment-Location"] = reverse(page, args=[upload.assessment_id])
    return headers


def _require_version(request: Request) -> None:
    # Checked after the upload is found: someone else's upload is a 404 whatever the headers say.
    if request.headers.get("Tus-Resumable") != resumable.TUS_VERSION:
        raise resumable.TusError(412, f"Send Tus-Resumable: {resumable.TUS_VERSION} (the version this server speaks).")


class _TusView(APIView):
    permission_classes = [IsAuthenticated, CanUpload]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, resumable.TusError):
            response = Response({"detail": exc.message}, status=exc.status)
            if exc.status == 412:
                response["Tus-Version"] = resumable.TUS_VERSION
            return response
        if isinstance(exc, UploadTooLarge):
            return Response({"detail": str(exc)}, status=413)
        if isinstance(exc, ValidationError):
            return Response({"detail": " ".join(exc.messages)}, status=400)
        if isinstance(exc, BadRequest):
            return Response({"detail": str(exc)}, status=400)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = resumable.TUS_VERSION
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            status=204,
            headers={
                "Tus-Version": resumable.TUS_VERSION,
                "Tus-Extension": resumable.TUS_EXTENSIONS,
                "Tus-Max-Size": str(max_upload_bytes()),
                "Tus-Checksum-Algorithm": ",".join(resumable.CHECKSUM_ALGORITHMS),
            },
        )


class UploadCreateView(_TusView):
    """tus creation: a new upload for a visit the user may upload to."""

    def get_throttles(self):
        # One upload counts once against RATE_LIMIT_UPLOADS_PER_USER, at its creation; its pieces do not.
        return (
            [*super().get_throttles(), UploadThrottle()] if self.request.method == "POST" else super().get_throttles()
        )

    @extend_schema(
        request=None,
        responses={201: None},
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Length", "The clip's size in bytes (at most Tus-Max-Size)."),
            _header(
                "Upload-Metadata",
                "base64 values: visit (id; or self_check 1 for an athlete's self-check), view, capture_fps, filename.",
            ),
        ],
        description="tus creation: answers 201 with Location, the upload's URL.",
    )
    def post(self, request: Request) -> Response:
        _require_version(request)
        if "Upload-Defer-Length" in request.headers:
            raise resumable.TusError(400, "Upload-Defer-Length is not supported: send Upload-Length.")
        length = _whole_number(request.headers.get("Upload-Length"), "Upload-Length")
        metadata = resumable.parse_metadata(request.headers.get("Upload-Metadata", ""))
        visit = None
        if metadata.get("self_check") != "1":  # an athlete's self-check from the portal has no visit
            if not request.user.has_perm("assessments.add_assessment"):
                # An athlete reads their own visits, but only clinicians add a clinic clip to one.
                raise PermissionDenied("Only clinicians upload a visit's video; send a self-check from your portal.")
            visit_pk = parse_id(metadata.get("visit"), name="visit")
            visit = visit_queryset_for(request.user).filter(pk=visit_pk).first() if visit_pk else None
            if visit is None:
                raise resumable.TusError(400, "Upload-Metadata: name the visit (its id) the video belongs to.")
        upload = resumable.resumable_create(owner=request.user, visit=visit, length_bytes=length, metadata=metadata)
        headers = _state_headers(upload)
        headers["Location"] = reverse("api:upload-detail", args=[upload.id])
        return Response(status=201, headers=headers)


class UploadDetailView(_TusView):
    """One upload of the requesting user: HEAD (offset), PATCH (append), DELETE (termination)."""

    parser_classes: list[Any] = []  # a piece is read as a stream (request.read), never parsed

    def _upload(self, upload_id: Any) -> ResumableUpload:
        upload = get_object_or_404(ResumableUpload.objects.filter(owner=self.request.user), pk=upload_id)
        _require_version(self.request)
        if resumable.is_expired(upload):
            raise resumable.TusError(410, "This upload has expired; start it again.")
        return upload

    @extend_schema(
        request=None, responses={200: None}, parameters=[TUS_RESUMABLE], description="Upload-Offset: where to resume."
    )
    def head(self, request: Request, upload_id: Any) -> Response:
        return Response(status=200, headers=_state_headers(self._upload(upload_id)))

    @extend_schema(
        request={OFFSET_STREAM: OpenApiTypes.BINARY},
        responses={204: None},
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Offset", "The offset the upload is at (from HEAD)."),
            _header("Upload-Checksum", "Optional: '<sha1|sha256|md5> <base64 digest>' of this piece.", required=False),
        ],
        description="Appends a piece. The last one creates the assessment (header Assessment-Location).",
    )
    def patch(self, request: Request, upload_id: Any) -> Response:
        upload = self._upload(upload_id)
        if request.content_type.split(";")[0].strip() != OFFSET_STREAM:
            raise resumable.TusError(415, f"Send the bytes as Content-Type: {OFFSET_STREAM}.")
        offset = _whole_number(request.headers.get("Upload-Offset"), "Upload-Offset")
        size = _whole_number(request.META.get("CONTENT_LENGTH") or "0", "Content-Length")
        upload = resumable.resumable_append(
            upload=upload,
            offset=offset,
            read=request._request.read,
            size=size,
            checksum=request.headers.get("Upload-Checksum"),
        )
        return Response(status=204, headers=_state_headers(upload))

    @extend_schema(request=None, responses={204: None}, parameters=[TUS_RESUMABLE], description="tus termination.")
    def delete(self, request: Request, upload_id: Any) -> Response:
        upload = get_object_or_404(ResumableUpload.objects.filter(owner=request.user), pk=upload_id)
        _require_version(request)
        resumable.resumable_delete(upload=upload)
        return Response(status=204)
