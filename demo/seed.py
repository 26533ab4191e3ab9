"""Demo people and records for the embedded run, built through the real services. Idempotent."""

from __future__ import annotations

from base64 import b32decode
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from accounts.two_factor import totp_device_of
from assessments.demo import seed_assessments_demo
from patients import services as patient_services
from patients.consents import consent_record
from patients.models import Patient
from programs.demo import seed_programs_demo
from scheduling.demo import seed_schedule_demo


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str
    email: str


DEMO_LOGINS = (
    DemoLogin("clinician", "demo-clinician-pass", Role.CLINICIAN, "Dana", "Okafor", "dana@stride.example"),
    DemoLogin("frontdesk", "demo-frontdesk-pass", Role.FRONT_DESK, "Sam", "Reyes", "sam@stride.example"),
    DemoLogin("athlete", "demo-athlete-pass", Role.ATHLETE, "Alex", "Morgan", "alex@runner.example"),
    DemoLogin("admin", "demo-admin-pass", Role.ADMIN, "Robin", "Hale", "robin@stride.example"),
)

# The demo's staff share one published authenticator key, so anyone trying the clinic can add
# it to an app (or run `manage.py demo_code`) and pass the two-factor step. Real staff set up
# their own key at their first sign-in.
DEMO_TOTP_SECRET = "STRIDECLINICDEMOTWOFACTORSIGNIN2"  # noqa: S105 (published on purpose, like the demo passwords)

# (first, last, born, sex, weekly km, goal, complaint, region, side, scuffs)
DEMO_PATIENTS = (
    ("Alex", "Morgan", date(1990, 4, 12), "female", 45, "Half marathon", "itb_syndrome", "thigh", "right", True),
    ("Jordan", "Baker", date(1985, 9, 3), "male", 60, "Marathon", "runners_knee", "knee", "left", False),
    ("Priya", "Shah", date(1996, 1, 22), "female", 30, "10 km", "patellar_tendinopathy", "knee", "both", False),
    ("Tom", "Nguyen", date(1979, 6, 30), "male", 70, "Ultra trail 50 km", "plantar_fasciitis", "foot", "left", True),
    ("Maria", "Rossi", date(1988, 11, 8), "female", 40, "Marathon", "posterior_tibialis", "ankle", "right", False),
    ("Kwame", "Mensah", date(2001, 2, 14), "male", 55, "5 km PB", "hip", "hip", "right", True),
    ("Elena", "Petrova", date(1975, 7, 19), "female", 25, "Park run", "low_back", "low_back", "na", False),
    ("Luca", "Bianchi", date(1993, 3, 5), "male", 80, "Marathon", "hamstring", "thigh", "left", False),
)


def _user(login: DemoLogin) -> User:
    user = User.objects.filter(username=login.username).first()
    if user is None:
        user = user_create(
            username=login.username,
            email=login.email,
            role=login.role,
            password=login.password,
            first_name=login.first_name,
            last_name=login.last_name,
        )
    if login.role != Role.ATHLETE and totp_device_of(user) is None:
        key = b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
    return user


@transaction.atomic
def seed_demo() -> tuple[DemoLogin, ...]:
    users = {login.role: _user(login) for login in DEMO_LOGINS}
    clinician = users[Role.CLINICIAN]
    today = timezone.localdate()
    for first, last, born, sex, km, goal, condition, region, side, scuffs in DEMO_PATIENTS:
        if Patient.objects.filter(first_name=first, last_name=last, date_of_birth=born).exists():
            continue
        patient = patient_services.patient_create(
            created_by=clinician,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            sex=sex,
            email=f"{first.lower()}.{last.lower()}@runner.example",
            phone="+44 7700 900" + str(born.day).zfill(3),
            emergency_contact_name="Next of kin",
            emergency_contact_phone="+44 7700 900999",
            referring_doctor="Dr. Chen, Riverside GP",
            weekly_distance_km=km,
            years_running=max(1, (today.year - born.year) // 4),
            goal_event=goal,
            shoes="Neutral daily trainer",
        )
        # The demo patients were "filmed with consent": recorded through the real service, so
        # `make run` uploads as a clinic would (the gate in assessments/services/upload.py).
        consent_record(patient=patient, recorded_by=clinician, film_and_analyse=True, use_in_reports=True)
        patient_services.complaint_create(
            patient=patient,
            created_by=clinician,
            condition=condition,
            body_region=region,
            side=side,
            onset_date=today - timedelta(weeks=10),
            notes="Worse after long runs and on cambered roads.",
        )
        patient_services.intake_save(
            patient=patient,
            updated_by=clinician,
            data={"inner_leg_scuffs": scuffs, "pelvis_drops_on_single_leg_stance": True},
        )
        for weeks_ago, plan in (
            (8, "Start hip strength programme, 3x per week."),
            (4, "Progress to side plank with abduction."),
        ):
            patient_services.visit_create(
                patient=patient,
                clinician=clinician,
                created_by=clinician,
                visit_date=today - timedelta(weeks=weeks_ago),
                subjective="Pain on the outside of the knee after 8 km.",
                objective="Pelvis drops on the swing side on single-leg squat; hip abduction 4/5.",
                plan=plan,
            )
    athlete_patient = Patient.objects.get(first_name="Alex", last_name="Morgan")
    if athlete_patient.user_id is None:
        athlete_patient.user = users[Role.ATHLETE]
        athlete_patient.save(update_fields=["user"])
    seed_schedule_demo(clinician=clinician, booked_by=users[Role.FRONT_DESK])
    seed_programs_demo(clinician=clinician, athlete_patient=athlete_patient)
    seed_assessments_demo(clinician=clinician, patient=athlete_patient)
    return DEMO_LOGINS
