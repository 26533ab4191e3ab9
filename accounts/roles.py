"""The clinic's roles as Django groups, and the permissions each one holds.

Views and selectors ask for permissions (``user.has_perm``), never for role names; this module
is the one place that says which role holds which permission. ``sync_role_groups`` runs after
every ``migrate`` so the groups in the database always match this table.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CLINICIAN = "clinician", "Clinician"
    FRONT_DESK = "front_desk", "Front desk"
    ATHLETE = "athlete", "Athlete"


GROUP_NAMES: dict[Role, str] = {role: role.label for role in Role}

# The permission lists end in fmt: skip: one model per line (view, add, change) reads as a table,
# one permission per line would hide which model a role may change.
_CLINICAL = [
    "patients.view_patient", "patients.add_patient", "patients.change_patient",
    "patients.view_any_patient", "patients.view_clinical_record",
    "patients.view_visit", "patients.add_visit", "patients.change_visit",
    "patients.view_complaint", "patients.add_complaint", "patients.change_complaint",
    "patients.delete_complaint",
    "patients.view_intake", "patients.add_intake", "patients.change_intake",
    "accounts.invite_athlete",
]  # fmt: skip
# No "invite_athlete": a portal account opens the clinical record, which the front desk may not read.
_DEMOGRAPHICS = [
    "patients.view_patient", "patients.add_patient", "patients.change_patient", "patients.view_any_patient",
]  # fmt: skip
# An athlete's permissions apply to their own record only: selectors scope every query.
_OWN_RECORD = ["patients.view_patient", "patients.view_clinical_record", "patients.view_visit"]

# Apps that land later extend these lists (assessments, programs, scheduling).
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.ADMIN: ["audit.view_auditevent"],  # plus everything the clinician holds, below
    Role.CLINICIAN: _CLINICAL,
    Role.FRONT_DESK: _DEMOGRAPHICS,
    Role.ATHLETE: _OWN_RECORD,
}

# Scheduling: the front desk runs every calendar; a clinician keeps one (sees own and own
# patients' appointments, books follow-ups); an athlete reads their own appointments.
_SCHEDULING_READ = [
    "scheduling.view_appointment", "scheduling.view_appointmenttype", "scheduling.view_room",
    "scheduling.view_workinghours", "scheduling.view_calendarexception",
]  # fmt: skip
ROLE_PERMISSIONS[Role.FRONT_DESK] += [
    *_SCHEDULING_READ, "scheduling.add_appointment", "scheduling.change_appointment",
    "scheduling.view_any_appointment",
    "scheduling.add_workinghours", "scheduling.change_workinghours", "scheduling.delete_workinghours",
    "scheduling.add_calendarexception", "scheduling.change_calendarexception",
    "scheduling.delete_calendarexception",
]  # fmt: skip
ROLE_PERMISSIONS[Role.CLINICIAN] += [
    *_SCHEDULING_READ, "scheduling.add_appointment", "scheduling.change_appointment", "scheduling.keep_calendar",
]  # fmt: skip
ROLE_PERMISSIONS[Role.ATHLETE] += ["scheduling.view_appointment", "scheduling.view_appointmenttype"]
ROLE_PERMISSIONS[Role.ADMIN] += [
    "scheduling.add_appointmenttype", "scheduling.change_appointmenttype",
    "scheduling.add_room", "scheduling.change_room",
]  # fmt: skip

# Programs: everyone signed in reads the exercise library; clinicians build programs and
# prescribe; an athlete reads their own prescription and logs against it (selectors scope it);
# the front desk sees no program or log (clinical data).
ROLE_PERMISSIONS[Role.CLINICIAN] += [
    "programs.view_exercise", "programs.add_exercise", "programs.change_exercise",
    "programs.view_program", "programs.add_program", "programs.change_program",
    "programs.view_prescription", "programs.add_prescription",
    "programs.view_sessionlog",
]  # fmt: skip
ROLE_PERMISSIONS[Role.FRONT_DESK] += ["programs.view_exercise"]
ROLE_PERMISSIONS[Role.ATHLETE] += [
    "programs.view_exercise", "programs.view_program", "programs.view_prescription",
    "programs.view_sessionlog", "programs.add_sessionlog",
]  # fmt: skip

# Assessments: clinicians upload, watch and re-analyse; an athlete reads the summaries of their
# own analysed assessments (no video, no upload); the front desk sees none.
ROLE_PERMISSIONS[Role.CLINICIAN] += [
    "assessments.view_assessment", "assessments.add_assessment", "assessments.change_assessment",
    "assessments.view_assessment_result",
]  # fmt: skip
ROLE_PERMISSIONS[Role.ATHLETE] += ["assessments.view_assessment"]
# Self-checks (issue 12, item 7): an athlete films their own running between visits from the portal;
# clinicians review them with the results permissions above (change_assessment).
ROLE_PERMISSIONS[Role.ATHLETE] += ["assessments.add_self_check"]


# Video consent: clinicians record and withdraw it; everyone who sees the patient page reads it
# (the front desk answers "may we film today?"); an athlete reads their own (FHIR Consent).
ROLE_PERMISSIONS[Role.CLINICIAN] += [
    "patients.view_videoconsent", "patients.add_videoconsent", "patients.change_videoconsent",
]  # fmt: skip
ROLE_PERMISSIONS[Role.FRONT_DESK] += ["patients.view_videoconsent"]
ROLE_PERMISSIONS[Role.ATHLETE] += ["patients.view_videoconsent"]

# Data exports and erasure: clinicians export any patient's record (an athlete exports their own,
# which needs no permission: exports.services.may_export); the front desk exports nothing (the
# zip is clinical). Only admins erase a patient's personal data (patients.erasure).
ROLE_PERMISSIONS[Role.CLINICIAN] += ["exports.export_patient"]
ROLE_PERMISSIONS[Role.ADMIN] += ["exports.view_dataexport", "patients.erase_patient"]


def permissions_of(role: Role) -> set[str]:
    perms = set(ROLE_PERMISSIONS[role])
    if role == Role.ADMIN:
        perms |= set(ROLE_PERMISSIONS[Role.CLINICIAN]) | set(ROLE_PERMISSIONS[Role.FRONT_DESK])
    return perms


def role_of(user: Any) -> Role | None:
    """The user's role; superusers count as admins. Uses the cached group names when present."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = getattr(user, "_role_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_group_names = names
    for role in (Role.ADMIN, Role.CLINICIAN, Role.FRONT_DESK, Role.ATHLETE):
        if GROUP_NAMES[role] in names:
            return role
    return None


def sync_role_groups(**kwargs: Any) -> None:
    """Create the role groups and give each exactly the permissions listed above.

    Uses the installed models, not the migration state post_migrate offers: it runs after
    the whole migrate, when the two agree.
    """
    Group = global_apps.get_model("auth", "Group")
    Permission = global_apps.get_model("auth", "Permission")
    # post_migrate reaches this app before later apps' permissions exist; create them all now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role in Role:
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        wanted = permissions_of(role)
        found = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                raise LookupError(f"Role {role.label} lists unknown permission {dotted}")
            found.append(perm)
        group.permissions.set(found)
