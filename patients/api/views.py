"""Patients and visits over REST. Querysets are scoped per user; writes go through services."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditAction
from audit.services import audit_record
from clinic.permissions import ModelPermissionsWithView
from patients import selectors, services
from patients.api import serializers as s
from patients.api.filters import PatientFilter, VisitFilter
from patients.models import Patient, VideoConsent, Visit


class ClinicalListAuditMixin:
    """Clinical reads leave a trace: one entry per record opened, one per list page served."""

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]  # mixed into a DRF viewset
        if selectors.can_view_clinical(request.user):
            rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
            ids = ",".join(str(row["id"]) for row in rows)
            model = self.get_queryset().model  # type: ignore[attr-defined]  # mixed into a DRF viewset
            audit_record(actor=request.user, action=AuditAction.LIST, target=model, summary=f"ids {ids}")
        return response


class PatientViewSet(ClinicalListAuditMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissionsWithView]
    filterset_class = PatientFilter
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering_fields = ["last_name", "date_of_birth", "created_at"]
    queryset = Patient.objects.none()  # for schema generation; see get_queryset

    def get_queryset(self):
        patients = selectors.patient_queryset_for(self.request.user).prefetch_related(
            Prefetch(
                "video_consents", VideoConsent.objects.filter(withdrawn_at__isnull=True), to_attr="consents_in_force"
            )
        )
        if selectors.can_view_clinical(self.request.user):
            patients = patients.select_related("intake").prefetch_related("complaints")
        return patients

    def get_serializer_class(self):
        clinical = selectors.can_view_clinical(self.request.user)
        if self.action in ("create", "update", "partial_update"):
            return s.PatientInputSerializer if clinical else s.PatientDemographicsInputSerializer
        return s.PatientClinicalOutputSerializer if clinical else s.PatientDemographicsOutputSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        patient = self.get_object()
        if selectors.can_view_clinical(request.user):
            audit_record(actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk)
        return Response(self.get_serializer(patient).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_create(created_by=request.user, **serializer.validated_data)
        output = self.get_serializer_class_for_output()(patient).data
        return Response(output, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        patient = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(patient, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_update(patient=patient, updated_by=request.user, data=serializer.validated_data)
        return Response(self.get_serializer_class_for_output()(patient).data)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def get_serializer_class_for_output(self) -> type:
        if selectors.can_view_clinical(self.request.user):
            return s.PatientClinicalOutputSerializer
        return s.PatientDemographicsOutputSerializer


class VisitViewSet(ClinicalListAuditMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissionsWithView]
    filterset_class = VisitFilter
    ordering_fields = ["visit_date"]
    queryset = Visit.objects.none()

    def get_queryset(self):
        return selectors.visit_queryset_for(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.VisitInputSerializer
        return s.VisitOutputSerializer

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "patient" in getattr(serializer, "fields", {}):
            serializer.fields["patient"].queryset = selectors.patient_queryset_for(self.request.user)
        return serializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        visit = self.get_object()
        audit_record(actor=request.user, action=AuditAction.VIEW, target=visit, patient_id=visit.patient_id)
        return Response(s.VisitOutputSerializer(visit).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.setdefault("clinician", request.user)
        visit = services.visit_create(created_by=request.user, **data)
        return Response(s.VisitOutputSerializer(visit).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        visit = self.get_object()
        serializer = self.get_serializer(visit, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("patient", visit.patient) != visit.patient:
            return Response({"patient": ["A visit cannot be moved to another patient."]}, status=400)
        visit = services.visit_update(visit=visit, updated_by=request.user, data=data)
        return Response(s.VisitOutputSerializer(visit).data)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)
