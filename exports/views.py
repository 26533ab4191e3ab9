"""Data export pages: ask for an export (athlete: "Download my data"; clinician: "Export
patient"), see one's exports, download through the signed link. Thin: exports.services decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from exports import services
from exports.models import DataExport, ExportStatus
from patients.selectors import patient_get_for


@login_required
@require_POST
def patient_export(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    services.export_request(patient=patient, requested_by=request.user)  # PermissionDenied: 403
    messages.success(request, "The export is being prepared; its download link appears here when it is ready.")
    return redirect("exports:list")


@login_required
@require_POST
def my_data(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient", None)
    if patient is None:
        raise PermissionDenied("Only an athlete with a record can download their data.")
    services.export_request(patient=patient, requested_by=request.user)
    messages.success(request, "Your data is being prepared; the download link appears here when it is ready.")
    return redirect("exports:list")


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """The exports the signed-in person asked for, with a fresh signed link for each ready one."""
    exports = list(DataExport.objects.filter(requested_by=request.user).select_related("patient")[:20])
    for export in exports:
        export.link = (
            reverse("exports:download", args=[services.export_token(export)])
            if export.status == ExportStatus.READY
            else ""
        )
    context = {"exports": exports, "ttl_hours": round(services.link_ttl_s() / 3600, 1)}
    return render(request, "exports/export_list.html", context)


@never_cache
@login_required
def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        export = services.export_for_download(token=token, user=request.user)
    except DataExport.DoesNotExist as exc:
        raise Http404("No such export.") from exc
    except services.LinkExpired as exc:
        return render(request, "exports/expired.html", {"message": str(exc)}, status=410)
    services.export_record_download(export=export, user=request.user)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"stride-export-{export.patient_id}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
