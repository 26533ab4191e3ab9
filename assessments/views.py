"""Assessment pages: upload from a visit, results (live progress), media streams, trend, compare,
visit report. Thin: selectors read, services write."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_POST

from assessments import charts, selectors, services
from assessments.analysis import quality as gate
from assessments.analysis import rendition
from assessments.analysis.summary import METRIC_LABELS
from assessments.models import Assessment, CameraView, ManualHipCheck, private_storage
from assessments.reference import LITERATURE_CONTEXT
from assessments.report_context import etag_of as _etag_of
from assessments.report_context import keyframe_items as _keyframes
from assessments.report_context import visit_report_context
from assessments.report_pdf import render_visit_report_pdf
from assessments.services import retention, reviews, self_checks
from assessments.streaming import is_first_read, ranged_file_response
from audit.models import AuditAction
from audit.services import audit_record
from clinic.forms import service_error_text
from clinic.query import query_id
from clinic.ratelimit import UPLOADS_PER_USER, rate_limited
from patients.selectors import patient_get_for, visit_queryset_for

RESULTS_PERM = "assessments.view_assessment_result"


def _assessment_for(request: HttpRequest, pk: int) -> Assessment:
    """One clip for a clinician's page, a clinic clip or a self-check (reviewed or not)."""
    return get_object_or_404(selectors.assessment_page_queryset_for(request.user), pk=pk)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


_capture_fps = services.parse_capture_fps


@login_required
@permission_required("assessments.add_assessment", raise_exception=True)
@require_POST
@rate_limited(UPLOADS_PER_USER)
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
                visit=visit,
                video=request.FILES["video"],  # type: ignore[arg-type]  # one file under this name
                view=request.POST.get("view", CameraView.POSTERIOR),
                created_by=request.user,
                capture_fps=_capture_fps(request.POST.get("capture_fps", "")),
            )
        except services.UploadTooLarge as exc:
            error, status = str(exc), 413
        except ValidationError as exc:
            error = service_error_text(exc)
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
        "player": _player(assessment),
        "video_removed_note": retention.video_removed_note(assessment) if assessment.video_removed else "",
        "stances": result.get("stances") or [],
        "obliquity_chart": charts.obliquity_chart(result) if result and assessment.shows_numbers else "",
        # The earliest other analysed assessment to compare with: its id only, not every row's result JSON.
        "compare_with": selectors.patient_assessments(user=request.user, patient=assessment.patient)
        .filter(analysed_at__isnull=False)
        .exclude(pk=assessment.pk)
        .values_list("pk", flat=True)
        .first(),
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
        "min_stances": gate.MIN_STANCES_PER_SIDE,
        "stance_columns": [(key, label, unit) for key, (label, unit) in METRIC_LABELS.items()],
        "of_record": selectors.results_of_record(
            list(
                selectors.visit_assessments(user=request.user, visit_id=assessment.visit_id).filter(
                    analysed_at__isnull=False, view=assessment.view
                )
            )
        ).get(selectors.record_key(assessment))
        if assessment.visit_id is not None
        else None,
        "min_comment_chars": self_checks.MIN_COMMENT_CHARS,
    }
    return render(request, "assessments/assessment_detail.html", context)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def self_check_list(request: HttpRequest) -> HttpResponse:
    """The clinicians' review list of athletes' self-checks: waiting first, then the latest reviewed."""
    waiting = list(selectors.self_checks_to_review(user=request.user))
    reviewed = list(
        selectors.self_check_queryset_for(request.user)
        .exclude(pk__in=[a.pk for a in waiting])
        .filter(reviewed_at__isnull=False)
        .defer("result")
        .annotate(quality_flags=F("result__quality__flags"))
        .order_by("-reviewed_at", "-id")[:50]
    )
    audit_record(actor=request.user, action=AuditAction.LIST, target=Assessment, summary="self-checks to review")
    return render(request, "assessments/self_check_list.html", {"waiting": waiting, "reviewed": reviewed})


@login_required
@permission_required("assessments.change_assessment", raise_exception=True)
@require_POST
def self_check_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Review a self-check: words for the athlete, and whether it joins the trend."""
    assessment = get_object_or_404(selectors.assessment_page_queryset_for(request.user).self_checks(), pk=pk)
    add_to_trend = request.POST.get("add_to_trend") == "on"
    try:
        self_checks.self_check_review(
            assessment=assessment,
            comment=request.POST.get("comment", ""),
            add_to_trend=add_to_trend,
            reviewed_by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(
            request,
            "Review saved: the athlete now sees the result with your words"
            + (", and it is in the trend, marked as a self-check." if add_to_trend else "."),
        )
    return redirect(assessment)


@login_required
@permission_required("assessments.change_assessment", raise_exception=True)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a low-confidence result with a note (or withdraw the acceptance)."""
    assessment = _assessment_for(request, pk)
    try:
        if request.POST.get("withdraw"):
            reviews.assessment_withdraw_acceptance(assessment=assessment, withdrawn_by=request.user)
            messages.success(request, "Acceptance withdrawn: the result no longer counts for trend changes.")
        else:
            reviews.assessment_accept(
                assessment=assessment, note=request.POST.get("note", ""), accepted_by=request.user
            )
            messages.success(request, "Result accepted: it now counts for trend changes and the athlete's summary.")
    except ValidationError as exc:
        messages.error(request, service_error_text(exc))
    return redirect(assessment)


@login_required
@permission_required("assessments.change_assessment", raise_exception=True)
@require_POST
def of_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark this assessment as the one that counts for its visit and view."""
    assessment = _assessment_for(request, pk)
    try:
        reviews.assessment_mark_of_record(assessment=assessment, marked_by=request.user)
    except ValidationError as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, "This assessment now counts for the visit's trend point.")
    return redirect(assessment)


def _player(assessment: Assessment) -> dict[str, str]:
    """What the result page plays: the original when Chromium can, else its playable copy, and a
    sentence when neither can be shown (issue 12, item 3)."""
    meta = assessment.video_meta or {}
    if rendition.browser_playable(codec=meta.get("codec", ""), container=meta.get("container", "")):
        return {"url": reverse("assessments:video", args=[assessment.pk]), "note": ""}
    fmt = f"This video's format ({rendition.codec_label(meta.get('codec', ''))}"
    if meta.get("container") not in rendition.BROWSER_CONTAINERS:
        fmt += f" in {str(meta.get('container', '')).upper() or 'an unknown container'}"
    fmt += ") cannot play in the browser"
    if assessment.playback.name:
        return {
            "url": reverse("assessments:playback", args=[assessment.pk]),
            "note": f"{fmt}; this is a playable copy.",
        }
    if assessment.is_running:
        return {"url": "", "note": f"{fmt}; a playable copy is being made."}
    failed = ((assessment.result or {}).get("outputs") or {}).get("playback_error")
    why = (
        "a playable copy could not be made" if failed else "no playable copy has been made yet (re-analyse to make one)"
    )
    return {"url": "", "note": f"{fmt}, and {why}. Download the original to watch it in a video player."}


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
        retention.assessment_reanalyse_if_kept(assessment=assessment, requested_by=request.user)
    except ValidationError as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, "Re-analysis queued. The current result stays until the new one is ready.")
    return redirect(assessment)


def _stream(
    request: HttpRequest, assessment: Assessment, name: str, content_type: str, what: str, filename: str
) -> HttpResponseBase:
    if not name:
        raise Http404("This file is not available.")
    if is_first_read(request):
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=assessment,
            patient_id=assessment.patient_id,
            summary=what,
        )
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
def video(request: HttpRequest, pk: int) -> HttpResponseBase:
    assessment = _assessment_for(request, pk)
    name = cast(str, assessment.video.name)  # a saved assessment always has its video
    ext = name[name.rfind(".") :].lower()
    content_type = _VIDEO_TYPES.get(ext, "application/octet-stream")
    # Server-chosen names only: the uploader's file name never reaches a header.
    filename = f"assessment-{assessment.pk}-video{ext if ext in _VIDEO_TYPES else ''}"
    return _stream(request, assessment, name, content_type, "original video", filename)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    assessment = _assessment_for(request, pk)
    filename = f"assessment-{assessment.pk}-preview.webm"
    return _stream(request, assessment, assessment.preview.name or "", "video/webm", "annotated preview", filename)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def playback(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The browser rendition of an original Chromium cannot play (H.264/MP4)."""
    assessment = _assessment_for(request, pk)
    filename = f"assessment-{assessment.pk}-playable.mp4"
    return _stream(request, assessment, assessment.playback.name or "", "video/mp4", "playable copy", filename)


# Keyframes never change under a stored name (each analysis run has its own folder), and their
# URLs carry the name's hash: the browser may keep them a day (private: never a shared cache).
KEYFRAME_MAX_AGE_S = 24 * 3600
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def _keyframe_file(request: HttpRequest, pk: int, index: int, *, page_sized: bool) -> HttpResponseBase:
    assessment = _assessment_for(request, pk)
    frames = assessment.keyframes or []
    if index >= len(frames):
        raise Http404("No such keyframe.")
    item = frames[index]
    # Results analysed before page-sized keyframes existed have only the PNG: it serves both.
    name = (item.get("page_name") if page_sized else "") or item.get("name", "")
    ext = name[name.rfind(".") :].lower() if "." in name else ""
    content_type = _IMAGE_TYPES.get(ext, "application/octet-stream")
    etag = quote_etag(_etag_of(name))
    cache_control = f"private, max-age={KEYFRAME_MAX_AGE_S}"
    response: HttpResponseBase
    if name and etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        what = f"keyframe {index}" + (" (page size)" if page_sized else "")
        filename = f"assessment-{assessment.pk}-keyframe-{index}{'-page' if page_sized else ''}{ext}"
        response = _stream(request, assessment, name, content_type, what, filename)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def keyframe(request: HttpRequest, pk: int, index: int) -> HttpResponseBase:
    """The keyframe at full size (the lossless PNG: hip checks place points on it)."""
    return _keyframe_file(request, pk, index, page_sized=False)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def keyframe_page(request: HttpRequest, pk: int, index: int) -> HttpResponseBase:
    """The keyframe sized for the result page (JPEG, long side 960 px)."""
    return _keyframe_file(request, pk, index, page_sized=True)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def keyframe_check(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """Place the two hip points by hand on a midstance keyframe and read CPD (issue 13)."""
    assessment = _assessment_for(request, pk)
    frames = _keyframes(assessment) if assessment.shows_numbers else []
    if index >= len(frames):
        raise Http404("No such keyframe.")
    error = ""
    if request.method == "POST":
        if not request.user.has_perm("assessments.change_assessment"):
            raise PermissionDenied
        try:
            points = [float(request.POST.get(k, "")) for k in ("left_x", "left_y", "right_x", "right_y")]
        except ValueError:
            error = "Place both hip points on the picture."
        else:
            try:
                check = reviews.hip_check_save(
                    assessment=assessment,
                    keyframe_index=index,
                    left_hip=(points[0], points[1]),
                    right_hip=(points[2], points[3]),
                    checked_by=request.user,
                )
            except ValidationError as exc:
                error = service_error_text(exc)
            else:
                messages.success(
                    request, f"Saved: {check.manual_cpd_deg:.1f}° by hand, {check.engine_cpd_deg:.1f}° by the engine."
                )
                return redirect("assessments:keyframe-check", pk=assessment.pk, index=index)
    existing = (
        selectors.hip_checks_for(request.user)
        .filter(assessment=assessment, keyframe_index=index, checked_by=request.user)  # type: ignore[misc]  # login_required
        .first()
    )
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "keyframe": frames[index],
        "index": index,
        "existing": existing,
        "error": error,
    }
    return render(request, "assessments/keyframe_check.html", context, status=400 if error else 200)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def agreement(request: HttpRequest) -> HttpResponse:
    """The clinic's engine-vs-clinician agreement over every checked keyframe."""
    checks, stats = selectors.clinic_agreement(user=request.user)
    audit_record(actor=request.user, action=AuditAction.LIST, target=ManualHipCheck, summary="engine agreement")
    context = {"checks": checks, "stats": stats, "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG}
    return render(request, "assessments/agreement.html", context)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def trend(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    data = selectors.hip_drop_trend(user=request.user, patient=patient)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk, summary="trend")
    context = {
        "patient": patient,
        "trend": data,
        "series": [
            {"view": view, "label": CameraView(view).label, "points": data.series(view), "changes": data.changes(view)}
            for view in data.views
        ],
        "chart": charts.trend_chart(data),
        "references": LITERATURE_CONTEXT,
        "min_stances": gate.MIN_STANCES_PER_SIDE,
    }
    return render(request, "assessments/trend.html", context)


@login_required
@permission_required(RESULTS_PERM, raise_exception=True)
def compare(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    analysed = selectors.patient_assessments(user=request.user, patient=patient).filter(analysed_at__isnull=False)
    choices = list(analysed)
    by_id: dict[int | None, Assessment] = {a.pk: a for a in choices}
    first, second = selectors.default_compare_pair(choices)
    first = by_id.get(query_id(request.GET, "a"), first)
    second = by_id.get(query_id(request.GET, "b"), second)
    rows = []
    if first and second:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=patient,
            patient_id=patient.pk,
            summary=f"compare assessments {first.pk} and {second.pk}",
        )
        rows = selectors.compare_rows(first, second)
    context = {
        "patient": patient,
        "choices": [{"assessment": c, "label": selectors.choice_label(c)} for c in choices],
        "first": first,
        "second": second,
        "rows": rows,
        "views_differ": bool(first and second and first.view != second.view),
        "change_counts": bool(first and second and first.counts and second.counts),
        "compare_pair": [first, second] if first and second else [],
        "keyframe_pairs": [(a, _keyframes(a) if a.shows_numbers else []) for a in (first, second) if a],
        "sdd": selectors.SMALLEST_DETECTABLE_DIFFERENCE_DEG,
        "min_stances": gate.MIN_STANCES_PER_SIDE,
    }
    return render(request, "assessments/compare.html", context)


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
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=visit, patient_id=visit.patient_id, summary=what)
    return visit_report_context(user=request.user, visit=visit)
