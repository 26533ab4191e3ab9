"""factory_boy factories. Users get their role through the real service (groups)."""

from __future__ import annotations

import datetime
from typing import cast

import factory
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from patients.consent_wording import CURRENT_VERSION
from patients.models import Complaint, Patient, VideoConsent, Visit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = "correct-horse-battery"

    @classmethod
    def _create(cls, model_class, *args, role: Role = Role.CLINICIAN, **kwargs):
        return user_create(role=role, **kwargs)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=70)
    sex = "female"
    email = factory.LazyAttribute(lambda p: f"{p.first_name.lower()}.{p.last_name.lower()}@runner.example")
    phone = "+44 7700 900123"
    weekly_distance_km = 40
    goal_event = "Marathon"

    @factory.post_generation
    def video_consent(obj, create, extracted, **kwargs):
        """Consent to film, analyse and report, as most tests upload: ``video_consent=False`` for none."""
        if create and extracted is not False:
            VideoConsent.objects.create(
                patient=obj,
                film_and_analyse=True,
                use_in_reports=True,
                wording_version=CURRENT_VERSION,
                recorded_by_label="factory",
                recorded_at=timezone.now(),
            )


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    patient = factory.SubFactory(PatientFactory)
    condition = "itb_syndrome"
    body_region = "thigh"
    side = "right"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    visit_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    subjective = "Lateral knee pain after 8 km."
    objective = "Contralateral pelvic drop on single-leg squat."
    plan = "Hip abductor strength, 3x per week."


def athlete_with_patient(**patient_kwargs: object) -> tuple[User, Patient]:
    # factory_boy's call is untyped: it returns the model instance, not the factory.
    user = cast(User, UserFactory(role=Role.ATHLETE))
    patient = cast(Patient, PatientFactory(user=user, **patient_kwargs))
    return user, patient


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An analysed assessment with summary numbers and no video file (for trends and lists).

    Tests of upload and processing go through ``assessments.services`` with real clips instead.
    """

    class Meta:
        model = "assessments.Assessment"

    visit = factory.SubFactory(VisitFactory)
    patient = factory.SelfAttribute("visit.patient")
    view = "posterior"
    video = factory.Sequence(lambda n: f"assessments/factory-{n}/original.mp4")
    video_sha256 = "0" * 64
    video_size_bytes = 1000
    status = "done"
    progress = 100
    analysed_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    analysis_version = "test"
    quality_ok = True
    result = factory.LazyFunction(lambda: {"quality": {"ok": True, "flags": []}, "stances": []})
    cpd_left_mean_deg = 6.0
    cpd_left_sd_deg = 1.2
    cpd_right_mean_deg = 4.0
    cpd_right_sd_deg = 1.0
    n_left = 9
    n_right = 9
    mean_cpd_deg = 5.0
    asymmetry_deg = 2.0
    cadence_spm = 168.0
