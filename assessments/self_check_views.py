"""The athlete's self-checks in the portal (issue 12, item 7): record or choose a clip of their own
running between visits, and follow it: "sent to your clinic, waiting for review" until a clinician
has reviewed it, then the result with the clinician's words. Thin: selectors read, services write."""

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

from assessments import selectors, services
from assessments.analysis.video import human_size
from assessments.models import Assessment, CameraView
from assessments.services.self_checks import self_check_create
from audit.models import AuditAction
from audit.services import audit_record
from clinic.forms import service_error_text
from clinic.ratelimit import UPLOADS_PER_USER, rate_limited
from patients.consents import NO_CONSENT_SELF_CHECK_MESSAGE, may_film
from patients.models import Patient

SENT_MESSAGE = (
    "Thank you! Your self-check is on its way to your clinic. You will see the result here once they have reviewed it."
)


def _own_patient(request: HttpRequest) -> Patient:
    patient = getattr(request.user, "patient", None)
    if patient is None:
        raise Http404("No athlete record is linked to this account.")
    return patient


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(request: HttpRequest, patient: Patient, *, error: str = "", status: int = 200) -> HttpResponse:
    checks = [selectors.athlete_self_check(a) for a in selectors.self_check_queryset_for(request.user)[:50]]
    audit_record(
        actor=request.user, action=AuditAction.LIST, target=Assessment, patient_id=patient.pk, summary="own self-checks"
    )
    context: dict[str, Any] = {
        "patient": patient,
        "checks": checks,
        "may_film": may_film(patient),
        "no_consent_message": NO_CONSENT_SELF_CHECK_MESSAGE,
        "views": CameraView.choices,
        "error": error,
        "max_upload": human_size(settings.ASSESSMENT_MAX_UPLOAD_BYTES),
        "max_upload_bytes": settings.ASSESSMENT_MAX_UPLOAD_BYTES,
        "resumable_threshold_bytes": settings.ASSESSMENT_RESUMABLE_THRESHOLD_BYTES,
        "resumable_chunk_bytes": settings.ASSESSMENT_RESUMABLE_CHUNK_BYTES,
    }
    return render(request, "assessments/self_check_portal.html", context, status=status)


@login_required
@permission_required("assessments.add_self_check", raise_exception=True)
def mine(request: HttpRequest) -> HttpResponse:
    """The athlete's self-checks, newest first, and the form to send one."""
    return _page(request, _own_patient(request))


@login_required
@permission_required("assessments.add_self_check", raise_exception=True)
@require_POST
@rate_limited(UPLOADS_PER_USER)
def send(request: HttpRequest) -> HttpResponse:
    """Send a self-check: a plain form post, or the shared upload script's XMLHttpRequest (JSON
    answer, with a progress bar). Same checks, limits and messages as a clinic upload."""
    patient = _own_patient(request)
    too_large = services.declared_too_large(request.META.get("CONTENT_LENGTH"))
    error, status = "", 400
    if too_large is not None:
        error, status = str(too_large), 413
    elif "video" not in request.FILES:
        error = "Choose or record a video of your running to send."
    else:
        try:
            assessment = self_check_create(
                patient=patient,
                video=request.FILES["video"],  # type: ignore[arg-type]  # one file under this name
                view=request.POST.get("view", CameraView.POSTERIOR),
                sent_by=request.user,
                capture_fps=services.parse_capture_fps(request.POST.get("capture_fps", "")),
            )
        except services.UploadTooLarge as exc:
            error, status = str(exc), 413
        except ValidationError as exc:
            error = service_error_text(exc)
    if error:
        if _wants_json(request):
            return JsonResponse({"error": error}, status=status)
        return _page(request, patient, error=error, status=status)
    url = reverse("self-checks:detail", args=[assessment.pk])
    if _wants_json(request):
        return JsonResponse({"id": assessment.pk, "url": url, "status": assessment.status}, status=201)
    messages.success(request, SENT_MESSAGE)
    return redirect(url)


@login_required
@permission_required("assessments.add_self_check", raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the athlete's own self-checks (anyone else's: 404)."""
    patient = _own_patient(request)
    assessment = get_object_or_404(selectors.self_check_queryset_for(request.user).filter(patient=patient), pk=pk)
    check = selectors.athlete_self_check(assessment)
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=assessment,
        patient_id=patient.pk,
        summary=f"own self-check ({check.state})",
    )
    return render(request, "assessments/self_check_detail.html", {"patient": patient, "check": check})
