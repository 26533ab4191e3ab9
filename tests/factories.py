"""factory_boy factories. Users get their role through the real service (groups)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from patients.models import Complaint, Patient, Visit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = "correct-horse-battery"

    @classmethod
    def _create(cls, model_class, *args, role: Role = Role.CLINICIAN, **kwargs):  # type: ignore[no-untyped-def]
        return user_create(role=role, **kwargs)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=70)
    sex = "female"
    email = factory.LazyAttribute(lambda p: f"{p.first_name.lower()}.{p.last_name.lower()}@runner.example")
    phone = "+44 7700 900123"
    consent_video = True
    weekly_distance_km = 40
    goal_event = "Marathon"


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
    user = UserFactory(role=Role.ATHLETE)
    patient = PatientFactory(user=user, **patient_kwargs)
    return user, patient
