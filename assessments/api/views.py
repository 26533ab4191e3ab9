"""Assessments over REST: upload (multipart), list, retrieve, status, result, re-analyse; the trend.

Querysets come from ``assessments.selectors`` (scoped per user); writes go through services.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors, services
from assessments.analysis.quality import MIN_STANCES_PER_SIDE
from assessments.api import serializers as s
from assessments.api.filters import AssessmentFilter
from assessments.models import Assessment, CameraView
from assessments.reference import LITERATURE_CONTEXT
from assessments.services import retention
from audit.models import AuditAction
from audit.services import audit_record
from clinic.permissions import ModelPermissionsWithView
from clinic.ratelimit import UploadThrottle
from patients.selectors import patient_get_for, visit_queryset_for


def _too_large(size: int, limit: int) -> Response:
    exc = services.UploadTooLarge(size, limit)
    return Response({"video": [str(exc)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissionsWithView]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = AssessmentFilter
    ordering_fields = ["created_at", "analysed_at"]
    queryset = Assessment.objects.none()  # for schema generation; see get_queryset

    def get_queryset(self):
        if self.action == "list":
            return selectors.assessment_list_for(self.request.user)
        if self.action in ("status", "result"):
            # Staff reads of one clip's processing and analysis (the result page polls the status):
            # a self-check under review too, as its page shows it. Its numbers are no measurement.
            return selectors.assessment_page_queryset_for(self.request.user)
        return selectors.assessment_queryset_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return s.AssessmentInputSerializer
        if self.action == "status":
            return s.AssessmentStatusOutputSerializer
        if selectors.can_view_results(self.request.user):
            return s.AssessmentOutputSerializer
        return s.AssessmentSummaryOutputSerializer

    def get_throttles(self):
        if self.action == "create":  # uploads per user (RATE_LIMIT_UPLOADS_PER_USER), before the body is read
            return [*super().get_throttles(), UploadThrottle()]
        return super().get_throttles()

    def _require_results(self) -> None:
        if not selectors.can_view_results(self.request.user):
            raise PermissionDenied("You can see the summary of your own analysed assessments only.")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        ids = ",".join(str(row["id"]) for row in rows)
        audit_record(actor=request.user, action=AuditAction.LIST, target=Assessment, summary=f"ids {ids}")
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.get_object()
        audit_record(actor=request.user, action=AuditAction.VIEW, target=assessment, patient_id=assessment.patient_id)
        return Response(self.get_serializer(assessment).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        too_large = services.declared_too_large(request.META.get("CONTENT_LENGTH"))
        if too_large is not None:
            return _too_large(too_large.size, too_large.limit)
        serializer = s.AssessmentInputSerializer(data=request.data)
        serializer.fields["visit"].queryset = visit_queryset_for(request.user)
        serializer.is_valid(raise_exception=True)
        try:
            assessment = services.assessment_create(created_by=request.user, **serializer.validated_data)
        except services.UploadTooLarge as exc:
            return _too_large(exc.size, exc.limit)
        return Response(s.AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        self._require_results()
        assessment = self.get_object()
        return Response(s.AssessmentStatusOutputSerializer(assessment).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def result(self, request: Request, pk: str | None = None) -> Response:
        """The full analysis JSON (issue 3's shape) of the last successful run."""
        self._require_results()
        assessment = self.get_object()
        if not assessment.has_result:
            return Response(
                {"detail": f"No result yet: the assessment is {assessment.get_status_display().lower()}."},
                status=status.HTTP_404_NOT_FOUND,
            )
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=assessment,
            patient_id=assessment.patient_id,
            summary="result",
        )
        return Response(assessment.result)

    @action(detail=True, methods=["post"])
    def reanalyse(self, request: Request, pk: str | None = None) -> Response:
        if not request.user.has_perm("assessments.change_assessment"):
            raise PermissionDenied("Only clinicians can re-analyse a video.")
        assessment = retention.assessment_reanalyse_if_kept(assessment=self.get_object(), requested_by=request.user)
        return Response(s.AssessmentStatusOutputSerializer(assessment).data, status=status.HTTP_202_ACCEPTED)


def _change(trend: selectors.Trend, metrics: list[str], view: str) -> dict[str, dict[str, Any]]:
    return {
        metric: {
            "since_first": trend.change(metric, "first", view),
            "since_previous": trend.change(metric, "previous", view),
            "since_first_beyond_sdd": trend.beyond_sdd(metric, "first", view),
            "since_previous_beyond_sdd": trend.beyond_sdd(metric, "previous", view),
        }
        for metric in metrics
    }


def trend_payload(trend: selectors.Trend, metrics: list[str]) -> dict[str, Any]:
    """Points carry their view, quality ``status`` and ``included`` (counts for change figures);
    changes use included points only, per view (``change`` is the posterior series)."""
    return {
        "patient": trend.patient.pk,
        "metrics": metrics,
        "smallest_detectable_difference_deg": trend.sdd_deg,
        "change_rule": (
            f"A change is called real only when it exceeds {trend.sdd_deg} degrees between two measurable (or "
            f"clinician-accepted) results with at least {MIN_STANCES_PER_SIDE} steps per side each."
        ),
        "points": [
            {
                "assessment_id": point.assessment_id,
                "visit_id": point.visit_id,
                "visit_date": point.visit_date.isoformat(),
                # A self-check the clinician accepted into the trend: no visit, dated the day it was sent.
                "self_check": point.self_check,
                "view": point.view,
                "status": point.status,
                "included": point.included,
                "accepted": point.accepted,
                "n_left": point.n_left,
                "n_right": point.n_right,
                **{metric: point.values[metric] for metric in metrics},
            }
            for point in trend.points
        ],
        "change": _change(trend, metrics, CameraView.POSTERIOR),
        "change_by_view": {view: _change(trend, metrics, view) for view in CameraView.values},
        "not_measurable": [{**item, "visit_date": item["visit_date"].isoformat()} for item in trend.not_measurable],
        "program_markers": trend.program_markers,
        "references": [{key: ref[key] for key in ("topic", "text", "source")} for ref in LITERATURE_CONTEXT],
    }


DEFAULT_TREND_METRICS = ["cpd_left_mean_deg", "cpd_right_mean_deg", "mean_cpd_deg"]


class HipDropTrendView(APIView):
    """CPD left and right across a patient's visits (``?metrics=a,b`` or ``all`` adds others)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("metrics", str, description="Comma-separated extra metrics, or 'all'.")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, pk: int) -> Response:
        if not request.user.has_perm("assessments.view_assessment"):
            raise PermissionDenied("You do not have access to assessments.")
        patient = patient_get_for(user=request.user, pk=pk)
        wanted = request.query_params.get("metrics", "").strip()
        if wanted == "all":
            metrics = list(selectors.TREND_METRICS)
        elif wanted:
            metrics = [m.strip() for m in wanted.split(",") if m.strip()]
            unknown = [m for m in metrics if m not in selectors.TREND_METRICS]
            if unknown:
                return Response(
                    {
                        "metrics": [
                            f"Unknown metric(s): {', '.join(unknown)}. Choose from {', '.join(selectors.TREND_METRICS)}."
                        ]
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        else:
            metrics = DEFAULT_TREND_METRICS
        trend = selectors.hip_drop_trend(user=request.user, patient=patient)
        if not selectors.can_view_results(request.user):
            # An athlete reads only the results that count (measurable, or accepted by the clinician).
            trend.points = [p for p in trend.points if p.included]
            trend.not_measurable = []
        audit_record(
            actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk, summary="hip-drop trend"
        )
        return Response(trend_payload(trend, metrics))
