"""Assessment pages: upload from a visit, results (live progress), media streams, trend, compare,
visit report. Thin: selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments import charts, selectors, services
from assessments.models import Assessment, CameraView, private_storage
from assessments.reference import LITERATURE_CONTEXT, REPORT_CONTEXT
from assessments.report_pdf import render_visit_report_pdf
from assessments.streaming import is_first_read, ranged_file_response
from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient
from patients.selectors import patient_get_for, visit_queryset_for

RESULTS_PERM = "assessments.view_assessment_result"


def _assessment_for(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(selectors.assessment_queryset_for(request.user), pk=pk)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _capture_fps(value: str) -> float | None:
    """The form's optional slow-motion capture rate; a value that is no rate is refused."""
    value = value.strip().lower().removesuffix("fps").strip()
    if not value:
        return None
    try:
        fps = float(value)
    except ValueError:
        fps = float("nan")
    if not 1 <= fps <= 1000:  # NaN fails too
        raise ValidationError(
            {"capture_fps": "Give the slow-motion capture rate as a number of frames per second, for example 240."}
        )
    return fps


@login_required
@permission_required("assessments.add_assessment", raise_exception=True)
@require_POST
def upload(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """The visit page's upload form (sent by XMLHttpRequest for the progress bar, or plainly)."""
    visit = get_object_or_404(visit_queryset_for(request.user), pk=visit_pk)
    too_large = services.declared_too_large(request.META.get("CONTENT_LENGTH"))
    error: str | None = None
    status = 400
    if too_large is not None:
        error, status = str(too_large), 413
    elif "video" not in request.FILES:
        error = "Choose a video file to upload."
    else:
        try:
            assessment = services.assessment_create(
                visit=visit, video=request.FILES["video"], view=request.POST.get("view", CameraView.POSTERIOR),
                created_by=request.user, capture_fps=_capture_fps(request.POST.get("capture_fps", "")),
            )  # fmt: skip
        except services.UploadTooLarge as exc:
            error, status = str(exc), 413
        except ValidationError as exc:
            error = " ".join(msg for msgs in exc.message_dict.values() for msg in msgs)
    if error is not None:
        if _wants_json(request):
            return JsonResponse({"error": error}, status=status)
        messages.error(request, error)
        return redirect(visit)
    url = assessment.get_absolute_url()
    if _wants_json(request):
        return JsonResponse({"id": assessment.pk, "url": url, "status": assessment.status}, status=201)
    messages.success(request, "Video uploaded: the analysis has started.")
    return redirect(url)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=assessment, patient_id=assessment.patient_id)
    result = assessment.result or {}
    context: dict[str, Any] = {
        "assessment": assessment,
        "visit": assessment.visit,
        "patient": assessment.patient,
        "result": result,
        "keyframes": _keyframes(assessment),
        "stances": result.get("stances") or [],
        "obliquity_chart": charts.obliquity_chart(result) if result else "",
        # The earliest other analysed assessment to compare with: its id only, not every row's result JSON.
        "compare_with": selectors.patient_assessments(user=request.user, patient=assessment.patient)
        .filter(analysed_at__isnull=False)
        .exclude(pk=assessment.pk)
        .values_list("pk", flat=True)
        .first(),
    }
    return render(request, "assessments/assessment_detail.html", context)


def _keyframes(assessment: Assessment) -> list[dict[str, Any]]:
    return [
        {**item, "index": index, "url": reverse("assessments:keyframe", args=[assessment.pk, index])}
        for index, item in enumerate(assessment.keyframes or [])
    ]


@login_required
@permission_required("assessments.change_assessment", raise_exception=True)
@require_POST
def interpretation(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    note = request.POST.get("interpretation", "")
    services.assessment_set_interpretation(assessment=assessment, interpretation=note, updated_by=request.user)
    messages.success(request, "Interpretation saved.")
    return redirect(assessment)


@login_required
@permission_required("assessments.change_assessment", raise_exception=True)
@require_POST
def reanalyse(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    try:
        services.assessment_reanalyse(assessment=assessment, requested_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, "Re-analysis queued. The current result stays until the new one is ready.")
    return redirect(assessment)


def _stream(
    request: HttpRequest, assessment: Assessment, name: str, content_type: str, what: str, filename: str
) -> HttpResponse:
    if not name:
        raise Http404("This file is not available.")
    if is_first_read(request):
        audit_record(
            actor=request.user, action=AuditAction.VIEW, target=assessment, patient_id=assessment.patient_id,
            summary=what,
        )  # fmt: skip
    storage = assessment.video.storage
    if not storage.exists(name):
        raise Http404("This file is not available.")
    return ranged_file_response(request, storage=storage, name=name, content_type=content_type, filename=filename)


_VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def video(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    name = assessment.video.name
    ext = name[name.rfind(".") :].lower()
    content_type = _VIDEO_TYPES.get(ext, "application/octet-stream")
    # Server-chosen names only: the uploader's file name never reaches a header.
    filename = f"assessment-{assessment.pk}-video{ext if ext in _VIDEO_TYPES else ''}"
    return _stream(request, assessment, name, content_type, "original video", filename)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    filename = f"assessment-{assessment.pk}-preview.webm"
    return _stream(request, assessment, assessment.preview.name or "", "video/webm", "annotated preview", filename)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def keyframe(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    frames = assessment.keyframes or []
    if index >= len(frames):
        raise Http404("No such keyframe.")
    name, filename = frames[index].get("name", ""), f"assessment-{assessment.pk}-keyframe-{index}.png"
    return _stream(request, assessment, name, "image/png", f"keyframe {index}", filename)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def trend(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    data = selectors.hip_drop_trend(user=request.user, patient=patient)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk, summary="trend")
    rows = []
    previous: dict[str, float | None] = {}
    for point in data.points:
        row = {"point": point, "delta": {}}
        for side in ("left", "right"):
            key = f"cpd_{side}_mean_deg"
            value, before = point.values[key], previous.get(key)
            row["delta"][side] = None if value is None or before is None else round(value - before, 1)
            if value is not None:
                previous[key] = value
        rows.append(row)
    changes = {
        side: {since: data.change(f"cpd_{side}_mean_deg", since) for since in ("first", "previous")}
        for side in ("left", "right")
    }
    context = {
        "patient": patient,
        "trend": data,
        "rows": rows,
        "changes": changes,
        "chart": charts.trend_chart(data),
        "references": LITERATURE_CONTEXT,
    }
    return render(request, "assessments/trend.html", context)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def compare(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    analysed = selectors.patient_assessments(user=request.user, patient=patient).filter(analysed_at__isnull=False)
    choices = list(analysed)
    by_id = {a.pk: a for a in choices}
    try:
        first = by_id.get(int(request.GET.get("a", "0")))
        second = by_id.get(int(request.GET.get("b", "0")))
    except ValueError:
        first = second = None
    if first is None and len(choices) >= 2:
        first = choices[-2]
    if second is None and choices:
        second = choices[-1]
    rows = []
    if first and second:
        audit_record(
            actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk,
            summary=f"compare assessments {first.pk} and {second.pk}",
        )  # fmt: skip
        for label, field, unit in COMPARE_ROWS:
            a, b = getattr(first, field), getattr(second, field)
            rows.append(
                {"label": label, "a": a, "b": b, "unit": unit, "delta": None if a is None or b is None else b - a}
            )
    context = {
        "patient": patient,
        "choices": choices,
        "first": first,
        "second": second,
        "rows": rows,
        "first_keyframes": _keyframes(first) if first else [],
        "second_keyframes": _keyframes(second) if second else [],
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
    }
    return render(request, "assessments/compare.html", context)


COMPARE_ROWS = (
    ("CPD left, mean", "cpd_left_mean_deg", "°"),
    ("CPD left, SD", "cpd_left_sd_deg", "°"),
    ("CPD right, mean", "cpd_right_mean_deg", "°"),
    ("CPD right, SD", "cpd_right_sd_deg", "°"),
    ("Mean CPD (both sides)", "mean_cpd_deg", "°"),
    ("Asymmetry (left minus right)", "asymmetry_deg", "°"),
    ("Cadence", "cadence_spm", " steps/min"),
    ("Hip adduction left, peak", "hip_adduction_left_deg", "°"),
    ("Hip adduction right, peak", "hip_adduction_right_deg", "°"),
    ("Knee FPPA left", "fppa_left_deg", "°"),
    ("Knee FPPA right", "fppa_right_deg", "°"),
)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def visit_report(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """A printable page for the athlete or the referring doctor, in plain and positive words."""
    return render(request, "assessments/visit_report.html", _visit_report_context(request, visit_pk, "visit report"))


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def visit_report_pdf(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """The same report as a PDF download, with a server-chosen file name."""
    context = _visit_report_context(request, visit_pk, "visit report PDF")
    context["clinic_name"] = settings.CLINIC_NAME
    pdf = render_visit_report_pdf(context, storage=private_storage())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="running-assessment-visit-{context["visit"].pk}.pdf"'
    return response


def _visit_report_context(request: HttpRequest, visit_pk: int, what: str) -> dict[str, Any]:
    visit = get_object_or_404(visit_queryset_for(request.user), pk=visit_pk)
    assessments = list(
        selectors.visit_assessments(user=request.user, visit_id=visit.pk).filter(analysed_at__isnull=False)
    )
    earlier = (
        selectors.patient_assessments(user=request.user, patient=visit.patient)
        .filter(analysed_at__isnull=False, visit__visit_date__lt=visit.visit_date)
        .first()
    )
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=visit, patient_id=visit.patient_id, summary=what)
    return {
        "visit": visit,
        "patient": visit.patient,
        "items": [{"assessment": a, "keyframes": _keyframes(a)} for a in assessments],
        "baseline": earlier,
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
        "references": REPORT_CONTEXT,
        "exercises": _prescribed_exercises(visit.patient),
    }


def _prescribed_exercises(patient: Patient) -> list[dict[str, str]]:
    """The active prescription's exercises (programs app), for the report's "what to keep doing"."""
    from django.apps import apps

    try:
        prescription_model = apps.get_model("programs", "Prescription")
    except LookupError:  # the report stands without the programs app
        return []
    prescription = prescription_model.objects.filter(patient=patient, status="active").first()
    if prescription is None:
        return []
    return [
        {"name": str(item.exercise), "dosage": item.dosage_text, "notes": item.notes}
        for item in prescription.items.select_related("exercise")
    ]
