"""Clinician pages: exercise library, programs, prescribing, per-patient progress, alerts."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from clinic.forms import add_service_errors
from clinic.query import parse_id
from patients.models import Patient
from patients.selectors import patient_get_for
from programs import selectors, services
from programs.forms import DosageForm, ExerciseForm, PrescribeForm, ProgramCreateForm, ReviseItemForm
from programs.models import Exercise, PrescriptionStatus, Program, ProgramExercise

STAFF_PERM = "programs.add_prescription"


@login_required
@permission_required("programs.view_exercise", raise_exception=True)
def exercise_list(request: HttpRequest) -> HttpResponse:
    exercises = selectors.exercise_queryset_for(request.user)
    return render(request, "programs/exercise_list.html", {"exercises": exercises})


@login_required
@permission_required("programs.view_exercise", raise_exception=True)
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(selectors.exercise_queryset_for(request.user), slug=slug)
    return render(request, "programs/exercise_detail.html", {"exercise": exercise})


@login_required
@permission_required("programs.change_exercise", raise_exception=True)
def exercise_edit(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise, slug=slug)
    form = ExerciseForm(request.POST or None, instance=Exercise.objects.get(pk=exercise.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.exercise_update(exercise=exercise, updated_by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Exercise saved.")
            return redirect(exercise)
    return render(request, "programs/form.html", {"form": form, "title": f"Edit {exercise.name}"})


@login_required
@permission_required("programs.add_program", raise_exception=True)
def program_list(request: HttpRequest) -> HttpResponse:
    programs = selectors.program_queryset_for(request.user)
    return render(request, "programs/program_list.html", {"programs": programs})


@login_required
@permission_required("programs.add_program", raise_exception=True)
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(selectors.program_queryset_for(request.user), pk=pk)
    return render(request, "programs/program_detail.html", {"program": program})


@login_required
@permission_required("programs.add_program", raise_exception=True)
def program_create(request: HttpRequest) -> HttpResponse:
    template = Program.objects.filter(is_template=True).first()
    form = ProgramCreateForm(request.POST or None, initial={"template": template})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            program = services.program_create(
                name=data["name"],
                created_by=request.user,
                template=data["template"],
                exercises=[services.ItemDosage.default_for(exercise) for exercise in data["exercises"]],
                gait_cues=data["gait_cues"],
                cadence_increase_pct=data["cadence_increase_pct"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Program created. Adjust the dosage of each exercise below.")
            return redirect(program)
    return render(request, "programs/form.html", {"form": form, "title": "New program"})


@login_required
@permission_required("programs.change_program", raise_exception=True)
def program_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ProgramExercise.objects.select_related("phase__program", "exercise"), pk=pk)
    form = DosageForm(request.POST or None, instance=ProgramExercise.objects.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.program_item_update(item=item, updated_by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Dosage saved.")
            return redirect(item.phase.program)
    title = f"Dosage of {item.exercise.name} in {item.phase.program.name}"
    return render(request, "programs/form.html", {"form": form, "title": title})


@login_required
@permission_required(STAFF_PERM, raise_exception=True)
def prescribe(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    template = Program.objects.filter(is_template=True).first()
    initial: dict[str, object] = {"program": template, "visit": patient.visits.first()}
    cadence = selectors.latest_measured_cadence(user=request.user, patient=patient)
    if cadence is not None and 100 <= cadence[0] <= 240:
        initial["cadence_baseline_spm"] = cadence[0]
    form = PrescribeForm(
        request.POST or None,
        patient=patient,
        initial=initial,
        visit_labels=selectors.visit_choice_labels(user=request.user, patient=patient),
    )
    if cadence is not None:
        form.fields[
            "cadence_baseline_spm"
        ].help_text = f"Measured {cadence[0]} steps/min at the visit of {cadence[1]:%d %b %Y} (latest analysed video)."
    active = selectors.active_prescription(user=request.user, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.prescription_create(
                patient=patient,
                program=data["program"],
                phase=data["phase"],
                visit=data["visit"],
                prescribed_by=request.user,
                cadence_baseline_spm=data["cadence_baseline_spm"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Program prescribed to {patient.full_name}.")
            return redirect("programs:patient", patient.pk)
    context = {
        "form": form,
        "title": f"Prescribe a program to {patient.full_name}",
        "replaces": active,
        "submit_label": "Prescribe and replace the active programme" if active else "Prescribe",
    }
    return render(request, "programs/form.html", context)


# The pain chart's frame (viewBox 600 x 200): pain 0-10 upwards, one column per session, dates below.
PAIN_X0, PAIN_X1, PAIN_Y0, PAIN_Y10 = 60, 580, 150, 20


def _trend_chart(points: list[selectors.PainPoint]) -> dict[str, object] | None:
    """Coordinates of the pain trend for an inline SVG, with its axes, dates and a text summary."""
    if not points:
        return None
    step = (PAIN_X1 - PAIN_X0 - 20) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(PAIN_X0 + 10 + i * step, 1)

    def y(pain: int) -> float:
        return round(PAIN_Y0 - pain * (PAIN_Y0 - PAIN_Y10) / 10, 1)

    during = [(x(i), y(p.pain_during)) for i, p in enumerate(points)]
    morning = [(x(i), y(p.pain_next_morning)) for i, p in enumerate(points) if p.pain_next_morning is not None]
    every = math.ceil(len(points) / 8)  # at most eight dates under the axis, so they never overlap
    worst = max(points, key=lambda p: p.worst)
    first, last = points[0].performed_on, points[-1].performed_on
    summary = (
        f"{len(points)} sessions from {first.day} {first:%b} to {last.day} {last:%b %Y}; the latest "
        f"{points[-1].pain_during}/10 during, the highest {worst.worst}/10 on {worst.performed_on.day} "
        f"{worst.performed_on:%b}. Each session is listed in the table of latest sessions."
    )
    return {
        "during": " ".join(f"{x_},{y_}" for x_, y_ in during),
        "morning": " ".join(f"{x_},{y_}" for x_, y_ in morning),
        "dots": [{"x": x_, "y": y_, "point": p} for (x_, y_), p in zip(during, points, strict=False)],
        "safe_y": y(3),
        "too_much_y": y(5),
        "ticks": [{"pain": pain, "y": y(pain)} for pain in (0, 3, 5, 10)],
        "dates": [{"x": x(i), "on": p.performed_on} for i, p in enumerate(points) if i % every == 0],
        "x0": PAIN_X0,
        "x1": PAIN_X1,
        "y0": PAIN_Y0,
        "y10": PAIN_Y10,
        "tick_x": PAIN_X0 - 6,
        "date_y": PAIN_Y0 + 18,
        "mid_x": (PAIN_X0 + PAIN_X1) / 2,
        "mid_y": (PAIN_Y0 + PAIN_Y10) / 2,
        "summary": summary,
    }


@login_required
@permission_required(STAFF_PERM, raise_exception=True)
def patient_progress(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    prescription = selectors.active_prescription(user=request.user, patient=patient)
    trend = selectors.pain_trend(patient=patient)
    history = list(selectors.prescription_history(user=request.user, patient=patient))
    edits = selectors.session_log_edits(patient=patient)
    context = {
        "patient": patient,
        "prescription": prescription,
        "history": history,
        "undoable": selectors.undoable_versions(history),
        "edits": edits,
        "edited_ids": {int(event.target_id) for event in edits if event.action == "update" and event.target_id},
        "adherence": selectors.adherence(patient=patient),
        "trend": trend,
        "trend_chart": _trend_chart(trend),
        "sessions": selectors.session_log_queryset_for(request.user).filter(patient=patient)[:20],
        "suggestions": selectors.suggestions(prescription=prescription) if prescription else [],
    }
    audit_record(actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk, summary="programs")
    return render(request, "programs/patient_progress.html", context)


@login_required
@permission_required(STAFF_PERM, raise_exception=True)
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a progression suggestion (one click) or edit it first; either writes a new version."""
    prescription = get_object_or_404(
        selectors.prescription_queryset_for(request.user).filter(status=PrescriptionStatus.ACTIVE), pk=pk
    )
    item_id = parse_id(request.POST.get("item") or request.GET.get("item"), name="item")
    item = get_object_or_404(prescription.items.select_related("exercise"), pk=item_id)
    suggestion = next(s.suggestion for s in selectors.suggestions(prescription=prescription) if s.item.pk == item.pk)
    initial = {
        "item": item.pk,
        "sets": suggestion.dosage.sets,
        "reps": suggestion.dosage.reps,
        "hold_s": suggestion.dosage.hold_s,
        "load_kg": suggestion.dosage.load_kg,
        "days_per_week": suggestion.dosage.days_per_week,
        "reason": suggestion.reason,
    }
    form = ReviseItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        dosage = {name: data[name] for name in services.ITEM_DOSAGE_FIELDS}
        reason = data["reason"] or f"{item.exercise.name}: dosage changed"
        try:
            services.prescription_revise(
                prescription=prescription,
                revised_by=request.user,
                dosages={item.pk: dosage},
                reason=f"{item.exercise.name}: {reason}"[:255],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"New prescription version saved for {item.exercise.name}. Undo it under Prescription history."
            )
            return redirect("programs:patient", prescription.patient_id)
    context = {"form": form, "title": f"Change {item.exercise.name} ({item.dosage_text})", "suggestion": suggestion}
    return render(request, "programs/form.html", context)


@login_required
@permission_required(STAFF_PERM, raise_exception=True)
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo one accepted (or edited) suggestion: back to the dosage of the version before it."""
    version = get_object_or_404(selectors.prescription_queryset_for(request.user).select_related("supersedes"), pk=pk)
    try:
        new = services.prescription_undo(version=version, undone_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Version {version.version} undone: version {new.version} is now active.")
    return redirect("programs:patient", version.patient_id)


@login_required
@permission_required(STAFF_PERM, raise_exception=True)
def alerts(request: HttpRequest) -> HttpResponse:
    found = selectors.alerts(user=request.user)
    audit_record(actor=request.user, action=AuditAction.LIST, target=Patient, summary=f"program alerts: {len(found)}")
    return render(request, "programs/alerts.html", {"alerts": found})
