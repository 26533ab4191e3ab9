"""Self-checks over REST (issue 12, item 7): an athlete sends one and reads its state, and after a
clinician's review their words and result; clinicians list, read and review them (accepting one
into the trend). Scoped by ``selectors.self_check_queryset_for``; writes go through the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import selectors, services
from assessments.api import serializers as s
from assessments.models import Assessment
from assessments.services.self_checks import self_check_create, self_check_review
from audit.models import AuditAction
from audit.services import audit_record
from clinic.ratelimit import UploadThrottle


class SelfCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = Assessment.objects.none()  # for schema generation; see get_queryset

    def get_queryset(self):
        return selectors.self_check_queryset_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return s.SelfCheckInputSerializer
        if self.action == "review":
            return s.SelfCheckReviewInputSerializer
        if selectors.can_view_results(self.request.user):
            return s.SelfCheckOutputSerializer
        return s.SelfCheckAthleteOutputSerializer

    def get_throttles(self):
        if self.action == "create":  # counted with every other upload (RATE_LIMIT_UPLOADS_PER_USER)
            return [*super().get_throttles(), UploadThrottle()]
        return super().get_throttles()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        needed = {
            "create": "assessments.add_self_check",
            "review": "assessments.change_assessment",
        }.get(self.action, "assessments.view_assessment")
        if not request.user.has_perm(needed):
            raise PermissionDenied(
                "Self-checks are sent by athletes from their portal."
                if self.action == "create"
                else "You do not have access to self-checks."
            )

    def _output(self, assessment: Assessment) -> dict[str, Any]:
        if selectors.can_view_results(self.request.user):
            return s.SelfCheckOutputSerializer(assessment).data
        return s.SelfCheckAthleteOutputSerializer(selectors.athlete_self_check(assessment)).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        data = [self._output(a) for a in rows]
        audit_record(
            actor=request.user,
            action=AuditAction.LIST,
            target=Assessment,
            summary=f"self-checks, ids {','.join(str(a.pk) for a in rows)}",
        )
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.get_object()
        data = self._output(assessment)
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=assessment,
            patient_id=assessment.patient_id,
            summary="self-check" + ("" if selectors.can_view_results(request.user) else f" ({data['state']})"),
        )
        return Response(data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        too_large = services.declared_too_large(request.META.get("CONTENT_LENGTH"))
        if too_large is not None:
            return Response({"video": [str(too_large)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        patient = getattr(request.user, "patient", None)
        if patient is None:
            raise NotFound("No athlete record is linked to this account.")
        serializer = s.SelfCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assessment = self_check_create(patient=patient, sent_by=request.user, **serializer.validated_data)
        except services.UploadTooLarge as exc:
            return Response({"video": [str(exc)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return Response(self._output(assessment), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SelfCheckReviewInputSerializer, responses=s.SelfCheckOutputSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """A clinician's review: words for the athlete, and whether it joins the trend (labelled)."""
        assessment = self.get_object()
        serializer = s.SelfCheckReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = self_check_review(
            assessment=assessment,
            comment=serializer.validated_data["comment"],
            add_to_trend=serializer.validated_data["add_to_trend"],
            reviewed_by=request.user,
        )
        return Response(s.SelfCheckOutputSerializer(assessment).data)
