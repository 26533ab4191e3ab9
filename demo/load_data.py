"""A clinic-sized dataset for the load run (``make load``), and the manifest the locustfile reads.

Hundreds of patients with visits, analysed assessments, programmes with logged sessions and a
busy calendar, plus sign-ins for every role with a known password (and, when two-factor sign-in
is installed, a TOTP device with a known key). Rows with rules of their own (users and their
groups, prescriptions) go through the services; the bulk (visits, assessments, logs,
appointments: tens of thousands of rows) is inserted with ``bulk_create``, which the services
would take many minutes for. Meant for a dedicated, throw-away database only.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from assessments.models import Assessment, AssessmentStatus
from assessments.services import summary_columns
from patients.consent_wording import CURRENT_VERSION
from patients.models import BodyRegion, BodySide, Complaint, Condition, Intake, Patient, VideoConsent, Visit
from programs import services as program_services
from programs.models import ExerciseLog, Prescription, Program, SessionLog
from scheduling.calendar import at_local
from scheduling.models import Appointment, AppointmentStatus, AppointmentType, Weekday, WorkingHours

LOAD_PASSWORD = "load-run-password-2024"  # noqa: S105  (a throw-away database's test accounts)
PROGRAM_TEMPLATE = "Hip drop, 8 weeks, three phases"
FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xena",
    "Yusuf",
    "Zoe",
)
LAST_NAMES = (
    "Adams",
    "Baker",
    "Carter",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Murphy",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zhang",
)
CONDITIONS = [
    (Condition.ITB_SYNDROME, BodyRegion.THIGH),
    (Condition.RUNNERS_KNEE, BodyRegion.KNEE),
    (Condition.PATELLAR_TENDINOPATHY, BodyRegion.KNEE),
    (Condition.HIP, BodyRegion.HIP),
    (Condition.PLANTAR_FASCIITIS, BodyRegion.FOOT),
    (Condition.LOW_BACK, BodyRegion.LOW_BACK),
]
WORKDAY = (time(8, 0), time(18, 0))
# Appointments seeded from this many days back to this many days ahead; the load run books
# beyond BOOKING_FROM_DAYS, so its bookings never meet the seeded ones.
CALENDAR_PAST_DAYS = 30
CALENDAR_AHEAD_DAYS = 14
BOOKING_FROM_DAYS = 21


@dataclass(frozen=True)
class LoadSize:
    patients: int = 500
    visits_per_patient: int = 4
    assessed_visits_per_patient: int = 3
    prescribed_patients: int = 300
    clinicians: int = 20
    front_desk: int = 10
    athletes: int = 20
    bookable_patients_per_desk: int = 20


def _otp_key_for(user: User) -> str | None:
    """A confirmed TOTP device with a known key, when two-factor sign-in (django-otp) is installed."""
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = secrets.token_hex(20)
    TOTPDevice.objects.update_or_create(user=user, name="load run", defaults={"key": key, "confirmed": True})
    return key


def _staff(prefix: str, count: int, role: Role, password_hash: str) -> list[User]:
    users = []
    for n in range(1, count + 1):
        username = f"{prefix}-{n:02d}"
        user = user_create(
            username=username,
            email=f"{username}@load.example",
            role=role,
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]}-{prefix}",
        )
        users.append(user)
    # One PBKDF2 hash for all: hashing each password would take ~0.3 s apiece.
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=password_hash)
    return users


def _patients(rng: random.Random, size: LoadSize) -> list[Patient]:
    today = timezone.localdate()
    rows = []
    for n in range(size.patients):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        rows.append(
            Patient(
                first_name=first,
                last_name=f"{last}{'' if n < 26 * 26 else n}",
                date_of_birth=date(1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)),
                sex=rng.choice(["female", "male"]),
                email=f"{first.lower()}.{last.lower()}.{n}@runner.example",
                phone=f"+44 7700 9{n:05d}",
                weekly_distance_km=rng.randrange(15, 90),
                years_running=rng.randrange(1, 25),
                goal_event=rng.choice(["Marathon", "Half marathon", "10 km", "Park run", "Ultra 50 km"]),
                shoes="Neutral daily trainer",
                referring_doctor="Dr. Chen, Riverside GP",
            )
        )
    patients = Patient.objects.bulk_create(rows)
    # Consent as the clinic would have recorded it at intake (uploads need it).
    VideoConsent.objects.bulk_create(
        VideoConsent(
            patient=p,
            film_and_analyse=True,
            use_in_reports=True,
            wording_version=CURRENT_VERSION,
            recorded_by_label="load data",
            recorded_at=timezone.now(),
        )
        for p in patients
    )
    Complaint.objects.bulk_create(
        Complaint(
            patient=p,
            condition=CONDITIONS[i % len(CONDITIONS)][0],
            body_region=CONDITIONS[i % len(CONDITIONS)][1],
            side=rng.choice([BodySide.LEFT, BodySide.RIGHT]),
            onset_date=today - timedelta(weeks=rng.randrange(4, 40)),
            notes="Worse after long runs and on cambered roads.",
        )
        for i, p in enumerate(patients)
    )
    Intake.objects.bulk_create(
        Intake(patient=p, inner_leg_scuffs=rng.random() < 0.4, pelvis_drops_on_single_leg_stance=True) for p in patients
    )
    return patients


def _visits(rng: random.Random, patients: list[Patient], clinicians: list[User], size: LoadSize) -> list[Visit]:
    today = timezone.localdate()
    rows = []
    for i, patient in enumerate(patients):
        for k in range(size.visits_per_patient):
            weeks_ago = (size.visits_per_patient - k) * 6 + rng.randrange(3)
            rows.append(
                Visit(
                    patient=patient,
                    clinician=clinicians[(i + k) % len(clinicians)],
                    visit_date=today - timedelta(weeks=weeks_ago),
                    subjective="Pain on the outside of the knee after 8 km; better after rest days.",
                    objective="Pelvis drops on the swing side on single-leg squat; hip abduction 4/5.",
                    plan="Hip abductor and glute strength 3x per week; review running form in 6 weeks.",
                )
            )
    return Visit.objects.bulk_create(rows)


def analysis_result(rng: random.Random, *, cpd_left: float, cpd_right: float, cadence: float) -> dict[str, Any]:
    """A result in the engine's JSON shape (assessments.analysis.result) for a 10 s, 60 fps clip."""
    fps, frames = 60.0, 600
    step_frames = round(fps * 60 / cadence)
    stances: list[dict[str, Any]] = []
    contact = 12
    while contact + step_frames < frames:
        side = "left" if len(stances) % 2 == 0 else "right"
        cpd = (cpd_left if side == "left" else cpd_right) + rng.gauss(0, 1.0)
        stances.append(
            {
                "side": side,
                "contact_frame": contact,
                "toe_off_frame": contact + int(step_frames * 0.7),
                "midstance_frame": contact + int(step_frames * 0.3),
                "cpd_midstance_deg": round(cpd, 2),
                "cpd_peak_deg": round(cpd + 1.5, 2),
                "hip_adduction_peak_deg": round(9 + rng.gauss(0, 1.5), 2),
                "fppa_midstance_deg": round(7 + rng.gauss(0, 1.5), 2),
                "step_width_ratio": round(rng.gauss(0.1, 0.05), 2),
            }
        )
        contact += step_frames
    period = 2 * step_frames
    obliquity = [round(((cpd_left + cpd_right) / 2) * math.sin(2 * math.pi * f / period), 4) for f in range(frames)]

    def stats(side: str, metric: str) -> dict[str, Any]:
        values = [s[metric] for s in stances if s["side"] == side]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / max(1, len(values) - 1))
        return {
            "mean": round(mean, 2),
            "sd": round(sd, 2),
            "median": round(sorted(values)[len(values) // 2], 2),
            "n": len(values),
        }

    metrics = ("cpd_midstance_deg", "cpd_peak_deg", "hip_adduction_peak_deg", "fppa_midstance_deg", "step_width_ratio")
    summary: dict[str, Any] = {side: {m: stats(side, m) for m in metrics} for side in ("left", "right")}
    left, right = summary["left"]["cpd_midstance_deg"]["mean"], summary["right"]["cpd_midstance_deg"]["mean"]
    summary.update(mean_cpd_deg=round((left + right) / 2, 2), asymmetry_deg=round(left - right, 2), cadence_spm=cadence)
    flags = [] if rng.random() < 0.85 else [{"code": "low_light", "message": "The clip is dark; landmarks may jitter."}]
    return {
        "analysis_version": "0.1.0",
        "video": {"container": "mp4", "fps": fps, "frames": frames, "width": 1080, "height": 1920, "duration_s": 10.0},
        "view": "posterior",
        "frames": {
            "index": list(range(frames)),
            "time_s": [round(f / fps, 4) for f in range(frames)],
            "detected": [True] * frames,
            "pelvic_obliquity_deg": obliquity,
        },
        "stances": stances,
        "summary": summary,
        "quality": {"ok": not flags, "detection_rate": 1.0, "flags": flags, "measures": {"fps": fps}},
        "timing": {"decode_s": 3.1, "pose_s": 27.0, "total_s": 31.0, "realtime_factor": 3.1},
        "pose": {"path": "plain", "stride": 1, "mirror": "both", "pose_fps": fps, "samples": frames},
        "outputs": {},
    }


def _assessments(rng: random.Random, visits: list[Visit], clinicians: list[User], size: LoadSize) -> None:
    now = timezone.now()
    by_patient: dict[int, list[Visit]] = {}
    for visit in visits:
        by_patient.setdefault(visit.patient_id, []).append(visit)
    rows = []
    for patient_visits in by_patient.values():
        left, right = rng.uniform(5, 10), rng.uniform(3, 8)
        for n, visit in enumerate(
            sorted(patient_visits, key=lambda v: v.visit_date)[-size.assessed_visits_per_patient :]
        ):
            # Strength work pays off: the drop shrinks a little at each visit.
            result = analysis_result(
                rng, cpd_left=left - 1.2 * n, cpd_right=right - 0.8 * n, cadence=round(rng.uniform(158, 176), 1)
            )
            uid = uuid.uuid4()
            quality_ok = result["quality"]["ok"]
            rows.append(
                Assessment(
                    uid=uid,
                    visit=visit,
                    patient_id=visit.patient_id,
                    view="posterior",
                    video=f"assessments/{uid}/original.mp4",
                    original_filename="treadmill.mp4",
                    video_sha256=secrets.token_hex(32),
                    video_size_bytes=48_000_000,
                    video_meta={"container": "mp4", "fps": 60.0, "frames": 600, "duration_s": 10.0},
                    status=AssessmentStatus.DONE if quality_ok else AssessmentStatus.FLAGGED,
                    progress=100,
                    attempts=1,
                    queued_at=now,
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=now,
                    analysed_at=now,
                    analysis_version="0.1.0",
                    result=result,
                    quality_ok=quality_ok,
                    keyframes=[
                        {
                            "side": side,
                            "kind": kind,
                            "frame": 100,
                            "cpd_midstance_deg": 6.0,
                            "name": f"assessments/{uid}/keyframes/{side}-{kind}.png",
                        }
                        for side in ("left", "right")
                        for kind in ("typical", "worst")
                    ],
                    created_by=clinicians[visit.pk % len(clinicians)],
                    **summary_columns(result),
                )
            )
    Assessment.objects.bulk_create(rows, batch_size=200)


def _programmes(rng: random.Random, patients: list[Patient], clinicians: list[User], size: LoadSize) -> None:
    template = Program.objects.get(name=PROGRAM_TEMPLATE, is_template=True)
    today = timezone.localdate()
    starts_on = today - timedelta(weeks=6)
    for i, patient in enumerate(patients[: size.prescribed_patients]):
        program_services.prescription_create(
            patient=patient,
            program=template,
            prescribed_by=clinicians[i % len(clinicians)],
            visit=patient.visits.order_by("-visit_date").first(),
            cadence_baseline_spm=165,
            starts_on=starts_on,
        )
    sessions, entries = [], []
    prescriptions = (
        Prescription.objects.filter(patient__in=patients).prefetch_related("items").select_related("patient")
    )
    for prescription in prescriptions:
        items = list(prescription.items.all())
        day = starts_on
        while day < today:
            if rng.random() < 0.45:
                pain = min(10, max(0, round(rng.gauss(2, 2))))
                session = SessionLog(
                    prescription=prescription,
                    patient=prescription.patient,
                    performed_on=day,
                    pain_next_morning=min(10, pain + rng.randrange(-1, 2)) if pain else 0,
                    note="Felt strong." if pain < 3 else "",
                    logged_by_id=prescription.patient.user_id,
                )
                sessions.append(session)
                entries.append(
                    [
                        ExerciseLog(
                            item=item,
                            sets_done=item.sets,
                            reps_done=item.reps,
                            hold_s_done=item.hold_s,
                            load_kg=item.load_kg or Decimal("0"),
                            pain_during=pain,
                        )
                        for item in items
                    ]
                )
            day += timedelta(days=1)
    SessionLog.objects.bulk_create(sessions, batch_size=500)
    for session, logs in zip(sessions, entries, strict=True):
        for log in logs:
            log.session = session
    ExerciseLog.objects.bulk_create([log for logs in entries for log in logs], batch_size=1000)


def _calendar(rng: random.Random, patients: list[Patient], clinicians: list[User], desk: list[User]) -> None:
    WorkingHours.objects.bulk_create(
        WorkingHours(clinician=c, weekday=day, start=WORKDAY[0], end=WORKDAY[1])
        for c in clinicians
        for day in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
    )
    types = list(AppointmentType.objects.filter(is_active=True))
    today, now = timezone.localdate(), timezone.now()
    rows = []
    day = today - timedelta(days=CALENDAR_PAST_DAYS)
    while day <= today + timedelta(days=CALENDAR_AHEAD_DAYS):
        if day.weekday() < 5:
            for hour in range(WORKDAY[0].hour, WORKDAY[1].hour):
                # On the hour, at most 60 min long: no two appointments of one hour overlap, and
                # each hour's patients are distinct, so neither exclusion constraint is touched.
                booked = [c for c in clinicians if rng.random() < 0.6]
                for clinician, patient in zip(booked, rng.sample(patients, len(booked)), strict=True):
                    kind = rng.choice(types)
                    starts_at = at_local(day, time(hour, 0))
                    status = AppointmentStatus.BOOKED
                    if starts_at < now:
                        status = rng.choices(
                            [AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED],
                            weights=[85, 5, 10],
                        )[0]
                    rows.append(
                        Appointment(
                            patient=patient,
                            clinician=clinician,
                            appointment_type=kind,
                            starts_at=starts_at,
                            ends_at=starts_at + timedelta(minutes=kind.default_duration_min),
                            status=status,
                            cancel_reason="Unwell" if status == AppointmentStatus.CANCELLED else "",
                            created_by=rng.choice(desk),
                        )
                    )
        day += timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=500)


@transaction.atomic
def seed_load(*, size: LoadSize | None = None, seed: int = 7) -> dict[str, Any]:
    """Fill an empty database with the load dataset; returns the manifest for the locustfile."""
    size = size or LoadSize()
    if Patient.objects.exists():
        raise RuntimeError("seed_load fills an empty, dedicated database; this one already has patients.")
    rng = random.Random(seed)
    password_hash = make_password(LOAD_PASSWORD)
    clinicians = _staff("load-clinician", size.clinicians, Role.CLINICIAN, password_hash)
    desk = _staff("load-desk", size.front_desk, Role.FRONT_DESK, password_hash)
    athletes = _staff("load-athlete", size.athletes, Role.ATHLETE, password_hash)
    patients = _patients(rng, size)
    for user, patient in zip(athletes, patients, strict=False):
        patient.user = user
    Patient.objects.bulk_update(patients[: len(athletes)], ["user"])
    visits = _visits(rng, patients, clinicians, size)
    _assessments(rng, visits, clinicians, size)
    _programmes(rng, patients, clinicians, size)
    _calendar(rng, patients[len(athletes) :], clinicians, desk)

    def login(user: User, role: Role) -> dict[str, Any]:
        return {"username": user.username, "password": LOAD_PASSWORD, "role": role.value, "otp_key": _otp_key_for(user)}

    first_bookable = size.athletes
    per_desk = size.bookable_patients_per_desk
    return {
        "clinicians": [login(u, Role.CLINICIAN) for u in clinicians],
        "athletes": [login(u, Role.ATHLETE) for u in athletes],
        # Each front-desk user books for one clinician and its own patients: no two load users
        # race for the same slot, so a 409 in the run is a real error, not the test's own doing.
        "front_desk": [
            {
                **login(u, Role.FRONT_DESK),
                "clinician_id": clinicians[n % len(clinicians)].pk,
                "patient_ids": [
                    p.pk for p in patients[first_bookable + n * per_desk : first_bookable + (n + 1) * per_desk]
                ],
            }
            for n, u in enumerate(desk)
        ],
        "patient_ids": [p.pk for p in patients],
        "search_terms": sorted({p.last_name[:4] for p in patients} | {p.first_name for p in patients}),
        "assessment_ids": list(Assessment.objects.order_by("pk").values_list("pk", flat=True)),
        "visits": [[v.patient_id, v.pk] for v in visits],
        "follow_up_type_id": AppointmentType.objects.get(name="Follow-up").pk,
        "booking_from_days": BOOKING_FROM_DAYS,
        "counts": {
            "patients": Patient.objects.count(),
            "visits": Visit.objects.count(),
            "assessments": Assessment.objects.count(),
            "prescriptions": Prescription.objects.count(),
            "session_logs": SessionLog.objects.count(),
            "exercise_logs": ExerciseLog.objects.count(),
            "appointments": Appointment.objects.count(),
        },
    }
