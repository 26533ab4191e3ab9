"""Programs over REST. Querysets are scoped per user; writes go through services.

Athletes read their own prescriptions and programs and create logs only against their own
active prescription; nothing they send can change a dosage. The front desk reads exercises only.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditAction
from audit.services import audit_record
from clinic.permissions import ModelPermissionsWithView
from patients.api.views import ClinicalListAuditMixin
from patients.selectors import patient_queryset_for, visit_queryset_for
from programs import selectors, services
from programs.api import serializers as s
from programs.api.filters import PrescriptionFilter, SessionLogFilter
from programs.models import Exercise, Prescription, PrescriptionStatus, Program, SessionLog


class ExerciseViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ModelPermissionsWithView]
    serializer_class = s.ExerciseOutputSerializer
    search_fields = ["name", "target"]
    queryset = Exercise.objects.none()

    def get_queryset(self):
        return selectors.exercise_queryset_for(self.request.user)


class ProgramViewSet(
    ClinicalListAuditMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ModelPermissionsWithView]
    queryset = Program.objects.none()
    filterset_fields = ["is_template"]

    def get_queryset(self):
        return selectors.program_queryset_for(self.request.user)

    def get_serializer_class(self):
        return s.ProgramInputSerializer if self.action == "create" else s.ProgramOutputSerializer

    @extend_schema(request=s.ProgramInputSerializer, responses={201: s.ProgramOutputSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = s.ProgramInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        program = services.program_create(
            name=data["name"],
            created_by=request.user,
            template=data.get("template"),
            exercises=[services.ItemDosage.default_for(exercise) for exercise in data.get("exercises", [])],
            description=data["description"],
            gait_cues=data["gait_cues"],
            cadence_increase_pct=data.get("cadence_increase_pct"),
        )
        program = self.get_queryset().get(pk=program.pk)
        return Response(s.ProgramOutputSerializer(program).data, status=status.HTTP_201_CREATED)


class PrescriptionViewSet(
    ClinicalListAuditMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Prescriptions are never edited: ``revise`` writes a new version superseding the active one."""

    permission_classes = [ModelPermissionsWithView]
    serializer_class = s.PrescriptionOutputSerializer
    queryset = Prescription.objects.none()
    filterset_class = PrescriptionFilter

    def get_queryset(self):
        return selectors.prescription_queryset_for(self.request.user)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        prescription = self.get_object()
        audit_record(
            actor=request.user, action=AuditAction.VIEW, target=prescription, patient_id=prescription.patient_id
        )
        return Response(self.get_serializer(prescription).data)

    @extend_schema(request=s.PrescriptionInputSerializer, responses={201: s.PrescriptionOutputSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = s.PrescriptionInputSerializer(data=request.data)
        serializer.fields["patient"].queryset = patient_queryset_for(request.user)
        serializer.fields["visit"].queryset = visit_queryset_for(request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prescription = services.prescription_create(
            patient=data["patient"],
            program=data["program"],
            phase=data.get("phase"),
            visit=data.get("visit"),
            prescribed_by=request.user,
            cadence_baseline_spm=data.get("cadence_baseline_spm"),
        )
        prescription = self.get_queryset().get(pk=prescription.pk)
        return Response(self.get_serializer(prescription).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PrescriptionReviseSerializer, responses={201: s.PrescriptionOutputSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        prescription = self.get_object()
        serializer = s.PrescriptionReviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = {row.pop("id"): row for row in (dict(r) for r in serializer.validated_data["exercises"])}
        new = services.prescription_revise(
            prescription=prescription,
            revised_by=request.user,
            dosages=changes,
            reason=serializer.validated_data["reason"],
        )
        new = self.get_queryset().get(pk=new.pk)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: s.PrescriptionOutputSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Undo the change of dosage this version made: a new active version with the dosage before it."""
        version = self.get_object()
        new = services.prescription_undo(version=version, undone_by=request.user)
        new = self.get_queryset().get(pk=new.pk)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        prescription = self.get_object()
        if not request.user.has_perm("programs.add_prescription"):
            return Response({"detail": "Only clinicians see progression suggestions."}, status=403)
        rows = [
            {
                "item": row.item.pk,
                "exercise": row.item.exercise_id,
                "decision": str(row.suggestion.decision),
                "reason": row.suggestion.reason,
                "sets": row.suggestion.dosage.sets,
                "reps": row.suggestion.dosage.reps,
                "hold_s": row.suggestion.dosage.hold_s,
                "load_kg": str(row.suggestion.dosage.load_kg),
                "days_per_week": row.suggestion.dosage.days_per_week,
            }
            for row in selectors.suggestions(prescription=prescription)
        ]
        return Response(rows)


class LogOwnerPermissions(ModelPermissionsWithView):
    """Deleting a log needs the right to log: an athlete takes back their own log (the view
    checks it is theirs and saved today); no role deletes logs of others."""

    perms_map = {**ModelPermissionsWithView.perms_map, "DELETE": ["%(app_label)s.add_%(model_name)s"]}


class SessionLogViewSet(
    ClinicalListAuditMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One session per prescription and day: posting a day already logged edits it (200, not 201).
    The athlete may delete their own log on the day they saved it."""

    permission_classes = [LogOwnerPermissions]
    serializer_class = s.SessionLogOutputSerializer
    queryset = SessionLog.objects.none()
    filterset_class = SessionLogFilter

    def get_queryset(self):
        return selectors.session_log_queryset_for(self.request.user)

    @extend_schema(request=s.SessionLogInputSerializer, responses={201: s.SessionLogOutputSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = s.SessionLogInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Someone else's prescription is not found, whatever the role: no hint that it exists.
        prescription = get_object_or_404(
            selectors.prescription_queryset_for(request.user).filter(patient__user=request.user),
            pk=data["prescription"],
        )
        if prescription.status != PrescriptionStatus.ACTIVE:
            raise ValidationError(
                {"prescription": ["This prescription has been replaced; log against the active one."]}
            )
        items = {item.exercise_id: item for item in prescription.items.all()}
        # Same shape as DRF's nested errors: {"entries": {index: {"exercise": [...]}}}.
        errors = {
            index: {"exercise": [f"Exercise {entry['exercise']} is not part of this prescription."]}
            for index, entry in enumerate(data["entries"])
            if entry["exercise"] not in items
        }
        if errors:
            raise ValidationError({"entries": errors})
        entries = [
            services.EntryInput(
                item_id=items[entry["exercise"]].pk,
                sets_done=entry["sets_done"],
                reps_done=entry.get("reps_done"),
                hold_s_done=entry.get("hold_s_done"),
                load_kg=entry["load_kg"],
                pain_during=entry["pain_during"],
                note=entry["note"],
            )
            for entry in data["entries"]
        ]
        edited = prescription.sessions.filter(performed_on=data["performed_on"]).exists()
        session = services.session_log_create(
            prescription=prescription,
            logged_by=request.user,
            performed_on=data["performed_on"],
            entries=entries,
            note=data["note"],
            pain_next_morning=data.get("pain_next_morning"),
        )
        session = self.get_queryset().get(pk=session.pk)
        code = status.HTTP_200_OK if edited else status.HTTP_201_CREATED
        return Response(s.SessionLogOutputSerializer(session).data, status=code)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        session = self.get_object()
        if session.patient.user_id != request.user.pk:
            return Response({"detail": "Only the athlete deletes their own log."}, status=403)
        services.session_log_delete(session=session, deleted_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        session = self.get_object()
        audit_record(actor=request.user, action=AuditAction.VIEW, target=session, patient_id=session.patient_id)
        return Response(self.get_serializer(session).data)

    @extend_schema(request=s.NextMorningInputSerializer, responses={200: s.SessionLogOutputSerializer})
    @action(detail=True, methods=["post"], url_path="next-morning")
    def next_morning(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        serializer = s.NextMorningInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if session.patient.user_id != request.user.pk:
            return Response({"detail": "Only the athlete records their next-morning pain."}, status=403)
        services.session_log_next_morning(
            session=session, logged_by=request.user, pain_next_morning=serializer.validated_data["pain_next_morning"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)
