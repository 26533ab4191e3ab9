"""Appointments over REST. Querysets are scoped per user; every write goes through services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.permissions import ModelPermissionsWithView
from patients.selectors import patient_queryset_for
from scheduling import selectors, services
from scheduling.api import serializers as s
from scheduling.api.filters import AppointmentFilter
from scheduling.models import Appointment, AppointmentType


class AppointmentPermissions(ModelPermissionsWithView):
    """Moving, cancelling and recording outcomes change an appointment, although they are POSTs."""

    change_actions = ("move", "cancel", "no_show", "complete")

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) in self.change_actions:
            return bool(request.user.is_authenticated and request.user.has_perm("scheduling.change_appointment"))
        return super().has_permission(request, view)


def slot_taken_response(exc: services.SlotTaken) -> Response:
    clash = exc.clash
    body: dict[str, Any] = {"detail": exc.message, "clash": None}
    if clash is not None:
        body["clash"] = {"starts_at": clash.starts_at, "ends_at": clash.ends_at, "clinician": clash.clinician_id}
    return Response(body, status=status.HTTP_409_CONFLICT)


class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [AppointmentPermissions]
    filterset_class = AppointmentFilter
    ordering_fields = ["starts_at"]
    ordering = ["starts_at"]
    queryset = Appointment.objects.none()  # for schema generation; see get_queryset
    serializer_class = s.AppointmentOutputSerializer

    def get_queryset(self):
        return selectors.appointment_queryset_for(self.request.user).select_related("rescheduled_to")

    def _output(self, appointment: Appointment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=appointment.pk)
        return Response(s.AppointmentOutputSerializer(fresh).data, status=code)

    @extend_schema(request=s.AppointmentBookInputSerializer, responses={201: s.AppointmentOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = s.AppointmentBookInputSerializer(data=request.data)
        serializer.fields["patient"].queryset = patient_queryset_for(request.user).filter(is_active=True)
        serializer.is_valid(raise_exception=True)
        try:
            appointment = services.appointment_book(booked_by=request.user, **serializer.validated_data)
        except services.SlotTaken as exc:
            return slot_taken_response(exc)
        return self._output(appointment, status.HTTP_201_CREATED)

    @extend_schema(request=s.AppointmentMoveInputSerializer, responses={201: s.AppointmentOutputSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        appointment = self.get_object()
        serializer = s.AppointmentMoveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new = services.appointment_move(appointment=appointment, moved_by=request.user, **serializer.validated_data)
        except services.SlotTaken as exc:
            return slot_taken_response(exc)
        return self._output(new, status.HTTP_201_CREATED)

    @extend_schema(request=s.AppointmentCancelInputSerializer, responses=s.AppointmentOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        appointment = self.get_object()
        serializer = s.AppointmentCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.appointment_cancel(
            appointment=appointment, cancelled_by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._output(appointment)

    @extend_schema(request=None, responses=s.AppointmentOutputSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk: str | None = None) -> Response:
        appointment = services.appointment_mark_no_show(appointment=self.get_object(), marked_by=request.user)
        return self._output(appointment)

    @extend_schema(request=None, responses=s.AppointmentOutputSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        appointment = services.appointment_complete(appointment=self.get_object(), marked_by=request.user)
        return self._output(appointment)


class AppointmentTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissionsWithView]
    queryset = AppointmentType.objects.all()
    serializer_class = s.AppointmentTypeOutputSerializer
    pagination_class = None


class FreeSlotsView(APIView):
    """GET ?appointment_type=&date_from=&date_to=&clinician= -> bookable start times."""

    @extend_schema(
        parameters=[s.SlotQuerySerializer],
        responses=inline_serializer("FreeSlots", {"results": s.SlotOutputSerializer(many=True)}),
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("scheduling.add_appointment"):
            raise PermissionDenied("You cannot book appointments.")
        query = s.SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selectors.free_slots(**query.validated_data)
        return Response({"results": s.SlotOutputSerializer(slots, many=True).data})
