"""Who may do what: every route of ``clinic/urls.py`` x role x HTTP method, as a clinic expects it.

``tests/security/test_access_matrix.py`` walks the URLconf and fails on any route missing here,
then requests each route as each role with the path filled by athlete A's own records.

What a clinic expects: athletes reach their own records only (portal, own record, own API
data); the front desk sees demographics and runs the calendars but sees no clinical data
(visits, notes, assessments, programs, logs); clinicians see clinical data; admins everything,
with the audit trail read-only (Django admin). The calendar feed's unguessable token is its
own credential, so the feed answers without a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("anonymous", "athlete_a", "athlete_b", "front_desk", "clinician", "admin")
SIGNED_IN_ROLES = ROLES[1:]

ALLOW = "allow"  # reads: 2xx/3xx (not a detour to sign in); writes: anything but 401/403/404/405/5xx
DENY = "deny"  # 403, or 404 where the object is someone else's (its existence is not disclosed)
LOGIN = "login"  # anonymous: a redirect to the sign-in page (pages), 401 (API)

Rule = dict[str, str]  # role -> ALLOW | DENY | LOGIN


def allow(*roles: str) -> Rule:
    """The listed roles may; other signed-in roles are refused; anonymous is sent to sign in."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles {sorted(unknown)}; choose from {ROLES}")
    return {role: ALLOW if role in roles else LOGIN if role == "anonymous" else DENY for role in ROLES}


EVERYONE = allow(*ROLES)
SIGNED_IN = allow(*SIGNED_IN_ROLES)
ATHLETES = allow("athlete_a", "athlete_b")  # each acting on their own record
OWNER = allow("athlete_a")  # only the athlete whose record it is
STAFF = allow("front_desk", "clinician", "admin")
FRONT_DESK = allow("front_desk", "admin")
CLINICAL = allow("clinician", "admin")
OWNER_AND_STAFF = allow("athlete_a", "front_desk", "clinician", "admin")
OWNER_AND_CLINICAL = allow("athlete_a", "clinician", "admin")
ATHLETES_AND_CLINICAL = allow("athlete_a", "athlete_b", "clinician", "admin")  # lists scoped to own rows
ADMIN = allow("admin")


@dataclass(frozen=True)
class Route:
    """One named route: its kind, the answer per method and role, and how to fill its URL.

    ``args`` and ``query`` name objects of ``tests/security/access_world.py`` (athlete A's visit,
    assessment, ...); ``setup`` names objects that must exist although the URL does not carry
    them (athlete B's own prescription before B logs a session).
    """

    kind: str  # "page", "api" or "admin"
    methods: dict[str, Rule]
    args: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    setup: tuple[str, ...] = ()
    url_name: str = ""  # the name to reverse when the table key is not one (the admin site)


def page(
    *,
    args: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    setup: tuple[str, ...] = (),
    **methods: Rule,
) -> Route:
    return Route("page", methods, args or {}, query or {}, setup)


def api(
    *,
    args: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    setup: tuple[str, ...] = (),
    **methods: Rule,
) -> Route:
    return Route("api", methods, args or {}, query or {}, setup)


PATIENT = {"patient_pk": "patient"}
VISIT = {"visit_pk": "visit"}
RESET_LINK = {"uidb64": "reset_uid", "token": "reset_token"}


def pk(name: str) -> dict[str, str]:
    return {"pk": name}


ROUTES: dict[str, Route] = {
    # Sign-in and accounts (django.contrib.auth.urls, accounts.urls)
    "home": page(GET=SIGNED_IN),
    "today": page(GET=CLINICAL),
    "login": page(GET=EVERYONE, POST=EVERYONE),
    "logout": page(POST=EVERYONE),
    "password_change": page(GET=SIGNED_IN, POST=SIGNED_IN),
    "password_change_done": page(GET=SIGNED_IN),
    "password_reset": page(GET=EVERYONE, POST=EVERYONE),
    "password_reset_done": page(GET=EVERYONE),
    "password_reset_confirm": page(GET=EVERYONE, args=RESET_LINK),
    "password_reset_complete": page(GET=EVERYONE),
    "accounts:invite-accept": page(GET=EVERYONE, args=RESET_LINK),
    # Staff enter their authenticator code here; others (and verified staff) are sent on.
    "accounts:two-factor": page(GET=SIGNED_IN, POST=SIGNED_IN),
    "accounts:two-factor-setup": page(GET=SIGNED_IN, POST=SIGNED_IN),
    # Patients: the front desk keeps demographics; visits and clinical notes are clinicians'.
    "patients:list": page(GET=STAFF),
    "patients:create": page(GET=STAFF, POST=STAFF),
    "patients:my-record": page(GET=ATHLETES),
    "patients:detail": page(GET=STAFF, args=pk("patient")),
    "patients:edit": page(GET=STAFF, POST=STAFF, args=pk("patient")),
    # A portal account opens the clinical record: only clinicians (and admins) invite.
    "patients:invite": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    "patients:complaint-create": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    "patients:intake": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    # Video consent: clinicians record and withdraw it (the page shows its state to all staff).
    "patients:consent": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    "patients:consent-withdraw": page(POST=CLINICAL, args=PATIENT),
    "patients:visit-create": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    "patients:visit-detail": page(GET=OWNER_AND_CLINICAL, args={"patient_pk": "patient", "pk": "visit"}),
    "patients:visit-edit": page(GET=CLINICAL, POST=CLINICAL, args={"patient_pk": "patient", "pk": "visit"}),
    # Scheduling: everyone signed in sees the calendar as far as it is theirs.
    "scheduling:calendar": page(GET=SIGNED_IN),
    "scheduling:slots": page(GET=STAFF),
    "scheduling:book": page(GET=STAFF, POST=STAFF),
    "scheduling:detail": page(GET=OWNER_AND_STAFF, args=pk("appointment")),
    "scheduling:move": page(POST=STAFF, args=pk("appointment")),
    "scheduling:cancel": page(GET=STAFF, POST=STAFF, args=pk("appointment")),
    "scheduling:restore": page(POST=STAFF, args=pk("appointment")),
    "scheduling:outcome": page(POST=STAFF, args=pk("appointment")),
    "scheduling:follow-up": page(GET=CLINICAL, args=VISIT),  # it starts from a visit: clinical
    "scheduling:reminders": page(GET=FRONT_DESK),
    "scheduling:hours": page(GET=STAFF, POST=FRONT_DESK),
    "scheduling:hours-delete": page(POST=FRONT_DESK, args=pk("working_hours")),
    "scheduling:exception-delete": page(POST=FRONT_DESK, args=pk("calendar_exception")),
    "scheduling:my-feed": page(GET=CLINICAL, POST=CLINICAL),
    "scheduling:clinician-feed": page(GET=EVERYONE, args={"token": "feed_token"}),
    "scheduling:patient-calendar": page(GET=OWNER_AND_STAFF, args=PATIENT),
    # Assessments: results, media streams and reports are clinicians'.
    "assessments:upload": page(POST=CLINICAL, args=VISIT),
    "assessments:visit-report": page(GET=CLINICAL, args=VISIT),
    "assessments:visit-report-pdf": page(GET=CLINICAL, args=VISIT),
    "assessments:trend": page(GET=CLINICAL, args=PATIENT),
    "assessments:compare": page(GET=CLINICAL, args=PATIENT),
    "assessments:detail": page(GET=CLINICAL, args=pk("assessment")),
    "assessments:interpretation": page(POST=CLINICAL, args=pk("assessment")),
    "assessments:reanalyse": page(POST=CLINICAL, args=pk("assessment")),
    "assessments:accept": page(POST=CLINICAL, args=pk("assessment")),
    "assessments:of-record": page(POST=CLINICAL, args=pk("assessment")),
    "assessments:video": page(GET=CLINICAL, args=pk("assessment")),
    "assessments:preview": page(GET=CLINICAL, args=pk("assessment")),
    "assessments:playback": page(GET=CLINICAL, args=pk("assessment")),
    "assessments:keyframe": page(GET=CLINICAL, args={"pk": "assessment", "index": "keyframe_index"}),
    "assessments:keyframe-page": page(GET=CLINICAL, args={"pk": "assessment", "index": "keyframe_index"}),
    "assessments:keyframe-check": page(
        GET=CLINICAL, POST=CLINICAL, args={"pk": "assessment", "index": "keyframe_index"}
    ),
    "assessments:agreement": page(GET=CLINICAL),
    "assessments:self-checks": page(GET=CLINICAL),
    "assessments:self-check-review": page(POST=CLINICAL, args=pk("self_check")),
    # Programs: the exercise library is for everyone signed in; the rest is clinicians'.
    "programs:program-list": page(GET=CLINICAL),
    "programs:program-create": page(GET=CLINICAL, POST=CLINICAL),
    "programs:program-detail": page(GET=CLINICAL, args=pk("program")),
    "programs:program-item-edit": page(GET=CLINICAL, POST=CLINICAL, args=pk("program_item")),
    "programs:exercise-list": page(GET=SIGNED_IN),
    "programs:exercise-detail": page(GET=SIGNED_IN, args={"slug": "exercise_slug"}),
    "programs:exercise-edit": page(GET=CLINICAL, POST=CLINICAL, args={"slug": "exercise_slug"}),
    "programs:alerts": page(GET=CLINICAL),
    "programs:patient": page(GET=CLINICAL, args=PATIENT),
    "programs:prescribe": page(GET=CLINICAL, POST=CLINICAL, args=PATIENT),
    "programs:revise": page(GET=CLINICAL, POST=CLINICAL, args=pk("prescription"), query={"item": "prescription_item"}),
    "programs:undo": page(POST=CLINICAL, args=pk("prescription")),
    # The athlete portal: each athlete their own programme.
    "portal:today": page(GET=ATHLETES),
    "portal:log": page(POST=ATHLETES, setup=("prescription", "prescription_b")),
    "portal:next-morning": page(POST=OWNER, args=pk("session_log")),
    "portal:session-edit": page(GET=OWNER, args=pk("session_log")),  # own log, the day it was saved
    "portal:session-delete": page(POST=OWNER, args=pk("session_log")),
    "portal:history": page(GET=ATHLETES),
    # Self-checks (issue 12, item 7): each athlete sends and reads their own from the portal; clinicians
    # review them. The front desk sees none (clinical data); a clinician sends none (not their running).
    "self-checks:mine": page(GET=ATHLETES),
    "self-checks:send": page(POST=ATHLETES),
    "self-checks:detail": page(GET=OWNER, args=pk("self_check")),
    # Data exports (right of access): the athlete their own data, clinicians any patient; never the
    # front desk (the zip is clinical). The signed link opens only for the person who asked.
    "exports:list": page(GET=SIGNED_IN),
    "exports:my-data": page(POST=ATHLETES),
    "exports:patient": page(POST=OWNER_AND_CLINICAL, args=PATIENT),
    "exports:download": page(GET=OWNER, args={"token": "export_token"}),
    # The Django admin, as one entry: staff flag (admins) only; the audit trail is read-only there.
    "admin": Route("admin", {"GET": ADMIN}, url_name="admin:index"),
    # REST API (/api/v1/)
    "api:api-root": api(GET=SIGNED_IN),
    "api:patient-list": api(GET=SIGNED_IN, POST=STAFF),
    "api:patient-detail": api(GET=OWNER_AND_STAFF, PUT=STAFF, PATCH=STAFF, args=pk("patient")),
    "api:visit-list": api(GET=ATHLETES_AND_CLINICAL, POST=CLINICAL),
    "api:visit-detail": api(GET=OWNER_AND_CLINICAL, PUT=CLINICAL, PATCH=CLINICAL, args=pk("visit")),
    "api:appointment-slots": api(GET=STAFF, query={"appointment_type": "appointment_type", "date_from": "today"}),
    "api:appointment-list": api(GET=SIGNED_IN, POST=STAFF),
    "api:appointment-detail": api(GET=OWNER_AND_STAFF, args=pk("appointment")),
    "api:appointment-cancel": api(POST=STAFF, args=pk("appointment")),
    "api:appointment-complete": api(POST=STAFF, args=pk("appointment")),
    "api:appointment-move": api(POST=STAFF, args=pk("appointment")),
    "api:appointment-no-show": api(POST=STAFF, args=pk("appointment")),
    "api:appointment-type-list": api(GET=SIGNED_IN),
    "api:assessment-list": api(GET=ATHLETES_AND_CLINICAL, POST=CLINICAL),
    "api:assessment-detail": api(GET=OWNER_AND_CLINICAL, args=pk("assessment")),
    "api:assessment-reanalyse": api(POST=CLINICAL, args=pk("assessment")),
    "api:assessment-result": api(GET=CLINICAL, args=pk("assessment")),
    "api:assessment-status": api(GET=CLINICAL, args=pk("assessment")),
    "api:self-check-list": api(GET=ATHLETES_AND_CLINICAL, POST=ATHLETES),
    "api:self-check-detail": api(GET=OWNER_AND_CLINICAL, args=pk("self_check")),
    "api:self-check-review": api(POST=CLINICAL, args=pk("self_check")),
    # Resumable uploads (tus): clinicians start them (athletes for a self-check); an upload answers only
    # the user who started it.
    "api:upload-list": api(POST=ATHLETES_AND_CLINICAL),  # athletes: their own self-checks
    "api:upload-detail": api(
        PATCH=allow("clinician"), DELETE=allow("clinician"), args={"upload_id": "resumable_upload"}
    ),
    "api:patient-hip-drop-trend": api(GET=OWNER_AND_CLINICAL, args=pk("patient")),
    "api:exercise-list": api(GET=SIGNED_IN),
    "api:exercise-detail": api(GET=SIGNED_IN, args=pk("exercise")),
    "api:program-list": api(GET=ATHLETES_AND_CLINICAL, POST=CLINICAL),
    "api:program-detail": api(GET=OWNER_AND_CLINICAL, args=pk("program")),
    "api:prescription-list": api(GET=ATHLETES_AND_CLINICAL, POST=CLINICAL),
    "api:prescription-detail": api(GET=OWNER_AND_CLINICAL, args=pk("prescription")),
    "api:prescription-revise": api(POST=CLINICAL, args=pk("prescription")),
    "api:prescription-undo": api(POST=CLINICAL, args=pk("prescription")),
    "api:prescription-suggestions": api(GET=CLINICAL, args=pk("prescription")),
    "api:sessionlog-list": api(GET=ATHLETES_AND_CLINICAL, POST=ATHLETES),
    "api:sessionlog-detail": api(GET=OWNER_AND_CLINICAL, DELETE=OWNER, args=pk("session_log")),
    "api:sessionlog-next-morning": api(POST=OWNER, args=pk("session_log")),  # the athlete's own pain
    "api:users-me": api(GET=SIGNED_IN),
    "api:auth-token": api(POST=EVERYONE),
    # Schema and docs describe the API, not data, but are for the people who use it.
    "schema": api(GET=SIGNED_IN),
    "api-docs": api(GET=SIGNED_IN),
    "healthz": page(GET=EVERYONE),
    # FHIR R4 read API (/fhir/r4/): the REST API's scoping per resource type. The capability
    # statement is public, as FHIR servers' are; an unknown path is a 404 for everyone. Search is
    # scoped like the REST lists (an athlete finds their own); the front desk reads Patient and
    # Appointment only; Media and DocumentReference (videos, keyframes, report PDF) are clinicians'.
    "fhir:metadata": api(GET=EVERYONE),
    "fhir:unknown": api(GET=dict.fromkeys(ROLES, DENY), args={"unknown": "fhir_unknown_path"}),
    "fhir:patient-everything": api(GET=OWNER_AND_STAFF, args={"resource_id": "patient"}),
    "fhir:patient-search": api(GET=SIGNED_IN),
    "fhir:patient-read": api(GET=OWNER_AND_STAFF, args={"resource_id": "patient"}),
    "fhir:encounter-search": api(GET=ATHLETES_AND_CLINICAL),
    "fhir:encounter-read": api(GET=OWNER_AND_CLINICAL, args={"resource_id": "visit"}),
    "fhir:observation-search": api(GET=ATHLETES_AND_CLINICAL),
    "fhir:observation-read": api(GET=OWNER_AND_CLINICAL, args={"resource_id": "fhir_observation_id"}),
    "fhir:media-search": api(GET=CLINICAL),
    "fhir:media-read": api(GET=CLINICAL, args={"resource_id": "fhir_media_id"}),
    "fhir:documentreference-search": api(GET=CLINICAL),
    "fhir:documentreference-read": api(GET=CLINICAL, args={"resource_id": "fhir_document_id"}),
    "fhir:careplan-search": api(GET=ATHLETES_AND_CLINICAL),
    "fhir:careplan-read": api(GET=OWNER_AND_CLINICAL, args={"resource_id": "prescription"}),
    "fhir:appointment-search": api(GET=SIGNED_IN),
    "fhir:appointment-read": api(GET=OWNER_AND_STAFF, args={"resource_id": "appointment"}),
    "fhir:consent-search": api(GET=SIGNED_IN),
    "fhir:consent-read": api(GET=OWNER_AND_STAFF, args={"resource_id": "video_consent"}),
}
