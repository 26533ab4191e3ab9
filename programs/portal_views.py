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
from programs.models import Prescription, SessionLog


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
        key=lambda a: (a.measured_on, a.created_at),
    )
    summaries = []
    previous: dict[str, object] = {}
    for a in counted:
        text = f"On average your pelvis stayed within {abs(a.mean_cpd_deg):.1f}° of level with each step."  # type: ignore[arg-type]  # measured results only
        before = previous.get(a.view)
        if before is not None:
            text += " " + change_words(before=before, after=a)["text"]  # type: ignore[arg-type]  # measured results only
        previous[a.view] = a
        summaries.append({"date": a.measured_on, "text": text, "self_check": a.is_self_check})
    return list(reversed(summaries))


def _today_context(
    request: HttpRequest,
    patient: Patient,
    prescription: Prescription | None,
    session_form: SessionForm | None = None,
    entry_forms: list[EntryForm] | None = None,
    editing: SessionLog | None = None,
) -> dict[str, object]:
    """The portal's page. ``editing``: a session saved today, whose values fill the form (saving
    it again edits it); today's own session is edited so by default."""
    today = timezone.localdate()
    items = list(prescription.items.all()) if prescription else []
    logged_today = selectors.logged_today(patient=patient, today=today)
    if (
        editing is None
        and logged_today is not None
        and services.session_log_changeable(session=logged_today, user=request.user, today=today)
    ):
        editing = logged_today
    if editing is not None and editing.prescription_id != getattr(prescription, "pk", None):
        editing = None  # saved against a programme since replaced: a new log starts fresh
    logged = {entry.item_id: entry for entry in editing.entries.all()} if editing else {}
    if session_form is None:
        initial = {"performed_on": editing.performed_on, "note": editing.note} if editing else {"performed_on": today}
        session_form = SessionForm(initial=initial)
    context: dict[str, object] = {
        "patient": patient,
        "prescription": prescription,
        "adherence": selectors.adherence(patient=patient, today=today),
        "logged_today": logged_today,
        "editing": editing,
        "awaiting": selectors.awaiting_next_morning(patient=patient, today=today),
        "pain_advice": selectors.pain_advice(patient=patient, today=today),
        "morning_form": NextMorningForm(),
        "session_form": session_form,
        "entry_forms": entry_forms or [EntryForm(item=item, logged=logged.get(item.pk)) for item in items],
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


def _saved_message(request: HttpRequest, patient: Patient, *, edited: bool) -> None:
    """A session that hurt too much gets no praise for pushing on: the page below it says, calmly,
    what to do next (pain_rules; the "pain-advice" card)."""
    if selectors.pain_advice(patient=patient) is not None:
        messages.info(request, "Session saved. Thank you for telling us how it felt: here is what to do next.")
    elif edited:
        messages.success(request, "Session updated. Thank you for keeping your log right.")
    else:
        messages.success(request, "Session saved. Great work: every session builds strength.")


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
        performed_on = session_form.cleaned_data["performed_on"]
        edited = prescription.sessions.filter(performed_on=performed_on).exists()
        try:
            services.session_log_create(
                prescription=prescription,
                logged_by=request.user,
                entries=entries,
                performed_on=performed_on,
                note=session_form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(session_form, exc)
        else:
            _saved_message(request, patient, edited=edited)
            return redirect("portal:today")
    else:
        session_form.add_error(None, "Some answers need a look: see the messages beside them.")
    context = _today_context(request, patient, prescription, session_form, entry_forms)
    return render(request, "programs/portal/today.html", context, status=400)


def _own_session(request: HttpRequest, pk: int) -> SessionLog:
    patient = _own_patient(request)
    return get_object_or_404(
        selectors.session_log_queryset_for(request.user).filter(patient=patient).select_related("patient"), pk=pk
    )


@login_required
def edit_session(request: HttpRequest, pk: int) -> HttpResponse:
    """The portal with one of the athlete's sessions saved today in the form (saving edits it)."""
    session = _own_session(request, pk)
    if not services.session_log_changeable(session=session, user=request.user):
        messages.info(request, "A session can be changed on the day you saved it. Tell your clinician what changed.")
        return redirect("portal:history")
    prescription = selectors.active_prescription(user=request.user, patient=session.patient)
    context = _today_context(request, session.patient, prescription, editing=session)
    return render(request, "programs/portal/today.html", context)


@login_required
@require_POST
def delete_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    try:
        services.session_log_delete(session=session, deleted_by=request.user)
    except ValidationError:
        messages.info(request, "A session can be deleted on the day you saved it. Tell your clinician what changed.")
        return redirect("portal:history")
    messages.success(request, f"The session of {session.performed_on:%A %-d %b} is deleted.")
    return redirect("portal:today")


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
        if selectors.pain_advice(patient=patient) is not None:
            messages.info(request, "Thanks, noted. Here is what to do next.")
        else:
            messages.success(
                request, "Thanks, noted. Knowing how you feel the next morning keeps the plan right for you."
            )
    else:
        messages.error(request, form.errors["pain_next_morning"][0])  # type: ignore[arg-type]  # an ErrorList item is its message
    return redirect("portal:today")


@login_required
def history(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    sessions = list(selectors.session_log_queryset_for(request.user).filter(patient=patient)[:60])
    audit_record(actor=request.user, action=AuditAction.LIST, target=SessionLog, patient_id=patient.pk)
    today = timezone.localdate()
    context = {
        "patient": patient,
        "sessions": sessions,
        "changeable": {
            s.pk for s in sessions if services.session_log_changeable(session=s, user=request.user, today=today)
        },
        "adherence": selectors.adherence(patient=patient),
        "prescriptions": selectors.prescription_history(user=request.user, patient=patient),
    }
    return render(request, "programs/portal/history.html", context)
