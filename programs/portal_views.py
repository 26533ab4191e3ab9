"""The athlete portal (mobile first): today's exercises, logging a session, history, adherence."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from clinic.forms import add_service_errors
from patients.models import Patient
from programs import selectors, services
from programs.forms import EntryForm, NextMorningForm, SessionForm
from programs.models import Prescription


def _own_patient(request: HttpRequest) -> Patient:
    patient = getattr(request.user, "patient", None)
    if patient is None or not request.user.has_perm("programs.view_prescription"):
        raise Http404("No athlete record is linked to this account.")
    return patient


def _assessment_summaries(request: HttpRequest, patient: Patient) -> list[dict[str, object]]:
    """The athlete's own running checks that count (measurable, or accepted by the clinician),
    newest first, in plain positive words; a change is praised only when it is real (issue 13)."""
    if not apps.is_installed("assessments"):
        return []
    from assessments.selectors import change_words, patient_assessments, results_of_record

    # Summary columns and flags only: an assessment's row carries its analysis JSON (tens of kB).
    rows = list(
        patient_assessments(user=request.user, patient=patient)
        .filter(analysed_at__isnull=False)
        .defer("result", "video_meta", "keyframes")
        .annotate(quality_flags=F("result__quality__flags"))
    )
    counted = sorted(
        (a for a in results_of_record(rows).values() if a.counts and a.mean_cpd_deg is not None),
        key=lambda a: (a.visit.visit_date, a.created_at),
    )
    summaries = []
    previous: dict[str, object] = {}
    for a in counted:
        text = f"On average your pelvis stayed within {abs(a.mean_cpd_deg):.1f}° of level with each step."  # type: ignore[arg-type]
        before = previous.get(a.view)
        if before is not None:
            text += " " + change_words(before=before, after=a)["text"]  # type: ignore[arg-type]
        previous[a.view] = a
        summaries.append({"date": a.visit.visit_date, "text": text})
    return list(reversed(summaries))


def _today_context(
    request: HttpRequest, patient: Patient, prescription: Prescription | None,
    session_form: SessionForm | None = None, entry_forms: list[EntryForm] | None = None,
) -> dict[str, object]:  # fmt: skip
    today = timezone.localdate()
    items = list(prescription.items.all()) if prescription else []
    context: dict[str, object] = {
        "patient": patient,
        "prescription": prescription,
        "adherence": selectors.adherence(patient=patient, today=today),
        "logged_today": selectors.logged_today(patient=patient, today=today),
        "awaiting": selectors.awaiting_next_morning(patient=patient, today=today),
        "morning_form": NextMorningForm(),
        "session_form": session_form or SessionForm(initial={"performed_on": today}),
        "entry_forms": entry_forms or [EntryForm(item=item) for item in items],
        "appointments": selectors.upcoming_appointments(user=request.user, patient=patient),
        "assessment_summaries": _assessment_summaries(request, patient),
    }
    return context


@login_required
def today(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    prescription = selectors.active_prescription(user=request.user, patient=patient)
    if prescription is not None:
        audit_record(actor=request.user, action=AuditAction.VIEW, target=prescription, patient_id=patient.pk)
    return render(request, "programs/portal/today.html", _today_context(request, patient, prescription))


@login_required
@require_POST
def log_session(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    if not request.user.has_perm("programs.add_sessionlog"):
        raise Http404
    prescription = selectors.active_prescription(user=request.user, patient=patient)
    if prescription is None:
        raise Http404("No active programme.")
    session_form = SessionForm(request.POST)
    entry_forms = [EntryForm(request.POST, item=item) for item in prescription.items.all()]
    valid = session_form.is_valid() & all([form.is_valid() for form in entry_forms])
    if valid:
        entries = [
            services.EntryInput(
                item_id=form.item.pk,
                sets_done=form.cleaned_data["sets_done"],
                reps_done=form.cleaned_data.get("reps_done"),
                hold_s_done=form.cleaned_data.get("hold_s_done"),
                load_kg=form.cleaned_data["load_kg"],
                pain_during=form.cleaned_data["pain_during"],
                note=form.cleaned_data["note"],
            )
            for form in entry_forms
            if form.cleaned_data["done"]
        ]
        try:
            services.session_log_create(
                prescription=prescription, logged_by=request.user, entries=entries,
                performed_on=session_form.cleaned_data["performed_on"], note=session_form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(session_form, exc)
        else:
            messages.success(request, "Session saved. Great work: every session builds strength.")
            return redirect("portal:today")
    context = _today_context(request, patient, prescription, session_form, entry_forms)
    return render(request, "programs/portal/today.html", context, status=400)


@login_required
@require_POST
def next_morning(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _own_patient(request)
    session = get_object_or_404(selectors.session_log_queryset_for(request.user).filter(patient=patient), pk=pk)
    form = NextMorningForm(request.POST)
    if form.is_valid():
        services.session_log_next_morning(
            session=session, logged_by=request.user, pain_next_morning=form.cleaned_data["pain_next_morning"]
        )
        messages.success(request, "Thanks, noted. Knowing how you feel the next morning keeps the plan right for you.")
    else:
        messages.error(request, "Choose a number from 0 to 10.")
    return redirect("portal:today")


@login_required
def history(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    sessions = selectors.session_log_queryset_for(request.user).filter(patient=patient)[:60]
    audit_record(actor=request.user, action=AuditAction.LIST, target=sessions.model, patient_id=patient.pk)
    context = {
        "patient": patient,
        "sessions": sessions,
        "adherence": selectors.adherence(patient=patient),
        "prescriptions": selectors.prescription_history(user=request.user, patient=patient),
    }
    return render(request, "programs/portal/history.html", context)
