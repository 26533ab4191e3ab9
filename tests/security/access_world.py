"""The records the access tests request: athlete A's (and B's) own, built through the services.

Each object is created the first time a route asks for it, so a case builds only what its
URL needs. ``World.get(name)`` answers the names used in ``access_table.ROUTES``.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import cached_property
from typing import Any, cast

import cv2
import numpy as np
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments.models import Assessment, ResumableUpload, private_storage
from fhir_api.resources.document_reference import report_document_id
from fhir_api.resources.media import keyframe_media_id
from fhir_api.resources.observation import observation_id
from patients.models import VideoConsent
from programs import services as program_services
from programs.models import Exercise, Program
from scheduling import services as scheduling_services
from scheduling.calendar import at_local
from scheduling.models import AppointmentType, WorkingHours
from tests.factories import AssessmentFactory, VisitFactory
from tests.programs.conftest import TEMPLATE_NAME, ensure_exercise_library, log
from tests.scheduling.conftest import give_working_week, next_monday


def _png() -> bytes:
    ok, data = cv2.imencode(".png", np.full((24, 16, 3), 120, dtype=np.uint8))
    assert ok
    return data.tobytes()


class Records:
    """One athlete's visit, assessment (with its media), appointment, program, prescription and log."""

    def __init__(self, *, user: Any, patient: Any, clinician: Any, front_desk: Any, hour: int) -> None:
        self.user, self.patient, self.clinician, self.front_desk, self.hour = user, patient, clinician, front_desk, hour

    @cached_property
    def visit(self) -> Any:
        return VisitFactory(patient=self.patient, clinician=self.clinician)

    @cached_property
    def assessment(self) -> Assessment:
        assessment = cast(Assessment, AssessmentFactory(visit=self.visit, created_by=self.clinician))
        storage = private_storage()
        folder = f"assessments/access-{assessment.pk}"
        assessment.video.name = storage.save(f"{folder}/original.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" * 64))
        assessment.preview.name = storage.save(f"{folder}/preview.webm", ContentFile(b"\x1aE\xdf\xa3" * 64))
        assessment.playback.name = storage.save(f"{folder}/playback.mp4", ContentFile(b"\x00\x00\x00\x18ftypisom" * 64))
        keyframe = storage.save(f"{folder}/keyframe-0.png", ContentFile(_png()))
        assessment.keyframes = [
            {"side": "left", "kind": "midstance", "frame": 12, "cpd_midstance_deg": 6.0, "name": keyframe}
        ]
        assessment.save()
        return assessment

    @cached_property
    def self_check(self) -> Assessment:
        """A self-check the athlete sent from the portal, analysed and waiting for review (no visit)."""
        return cast(
            Assessment,
            AssessmentFactory(visit=None, patient=self.patient, source="self_check", created_by=self.user),
        )

    @cached_property
    def resumable_upload(self) -> ResumableUpload:
        """A resumable upload the clinician started for the visit: it is theirs alone."""
        return ResumableUpload.objects.create(
            owner=self.clinician, visit=self.visit, length_bytes=1000, expires_at=timezone.now() + timedelta(hours=1)
        )

    @property
    def fhir_observation_id(self) -> str:
        return observation_id(self.assessment.pk, "cpd-left")

    @property
    def fhir_media_id(self) -> str:
        return keyframe_media_id(self.assessment.pk, 0)

    @property
    def fhir_document_id(self) -> str:
        self.assessment  # noqa: B018  # the visit's report exists once it has an analysed assessment
        return report_document_id(self.visit.pk)

    @cached_property
    def appointment(self) -> Any:
        if not WorkingHours.objects.filter(clinician=self.clinician).exists():
            give_working_week(self.clinician)
        return scheduling_services.appointment_book(
            patient=self.patient,
            clinician=self.clinician,
            appointment_type=World.follow_up_type(),
            starts_at=at_local(next_monday(), time(self.hour)),
            booked_by=self.front_desk,
        )

    @cached_property
    def prescription(self) -> Any:
        """The athlete's own copy of the hip-drop template, prescribed at their visit."""
        ensure_exercise_library()
        template = Program.objects.get(name=TEMPLATE_NAME, is_template=True)
        program = program_services.program_create(
            name=f"{self.patient.first_name}'s hip programme", created_by=self.clinician, template=template
        )
        return program_services.prescription_create(
            patient=self.patient,
            program=program,
            prescribed_by=self.clinician,
            visit=self.visit,
            starts_on=timezone.localdate() - timedelta(days=14),
        )

    @cached_property
    def export_token(self) -> str:
        """A built "Download my data" export of the athlete, asked for by the athlete."""
        from exports import services as export_services

        export = export_services.export_request(patient=self.patient, requested_by=self.user)
        built = export_services.export_build(export_id=export.pk)
        assert built is not None
        return export_services.export_token(built)

    @cached_property
    def video_consent(self) -> Any:
        """The consent the factory recorded for the athlete (tests.factories.PatientFactory)."""
        return VideoConsent.objects.filter(patient=self.patient).order_by("-recorded_at").first()

    @cached_property
    def program(self) -> Program:
        return self.prescription.program

    @cached_property
    def program_item(self) -> Any:
        return self.program.phases.order_by("order").first().exercises.order_by("order").first()  # type: ignore[union-attr]  # a template program has phases

    @cached_property
    def prescription_item(self) -> Any:
        return self.prescription.items.order_by("order").first()

    @cached_property
    def session_log(self) -> Any:
        return log(self.prescription, days_ago=1)


class World:
    """Athlete A's records fill the URLs; athlete B has records of their own; plus clinic objects."""

    def __init__(self, *, users: dict[str, Any], patients: dict[str, Any]) -> None:
        common = {"clinician": users["clinician"], "front_desk": users["front_desk"]}
        self.a = Records(user=users["athlete_a"], patient=patients["athlete_a"], hour=10, **common)
        self.b = Records(user=users["athlete_b"], patient=patients["athlete_b"], hour=11, **common)
        self.clinician = users["clinician"]
        self.front_desk = users["front_desk"]

    def get(self, name: str) -> Any:
        """A URL value: ``prescription`` is athlete A's, ``prescription_b`` athlete B's, else the clinic's."""
        if name.endswith("_b"):
            value = getattr(self.b, name[:-2])
        else:
            value = getattr(self.a, name) if hasattr(self.a, name) else getattr(self, name)
        return getattr(value, "pk", value)

    @staticmethod
    def follow_up_type() -> AppointmentType:
        # get_or_create: transactional tests elsewhere flush the rows the data migration seeded.
        return AppointmentType.objects.get_or_create(name="Follow-up", defaults={"default_duration_min": 30})[0]

    @property
    def appointment_type(self) -> AppointmentType:
        return self.follow_up_type()

    @property
    def today(self) -> str:
        return timezone.localdate().isoformat()

    @cached_property
    def exercise(self) -> Exercise:
        ensure_exercise_library()
        return Exercise.objects.filter(is_active=True).order_by("pk").first()  # type: ignore[return-value]  # library just ensured

    @property
    def exercise_slug(self) -> str:
        return self.exercise.slug

    @property
    def keyframe_index(self) -> int:
        return 0

    @property
    def fhir_unknown_path(self) -> str:
        return "Condition/1"

    @cached_property
    def working_hours(self) -> WorkingHours:
        return scheduling_services.working_hours_add(
            clinician=self.clinician, weekday=5, start=time(9), end=time(12), added_by=self.front_desk
        )

    @cached_property
    def calendar_exception(self) -> Any:
        first = next_monday(weeks_ahead=3)
        return scheduling_services.calendar_exception_add(
            clinician=self.clinician,
            starts_at=at_local(first, time(0)),
            ends_at=at_local(first, time(23)),
            reason="leave",
            added_by=self.front_desk,
        )

    @cached_property
    def feed_token(self) -> str:
        return scheduling_services.calendar_feed_renew(clinician=self.clinician).token

    @property
    def reset_uid(self) -> str:
        return urlsafe_base64_encode(force_bytes(self.a.user.pk))

    @property
    def reset_token(self) -> str:
        return default_token_generator.make_token(self.a.user)
