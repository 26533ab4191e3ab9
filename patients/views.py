"""Staff pages for patients and visits, and the athlete's own record. Thin: forms + services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from clinic.forms import add_service_errors
from clinic.query import query_text
from patients import consents, selectors, services
from patients.consent_wording import CURRENT_VERSION, wording
from patients.forms import (
    ComplaintForm,
    ConsentForm,
    ConsentWithdrawForm,
    IntakeForm,
    InviteForm,
    PatientDemographicsForm,
    PatientForm,
    VisitForm,
)
from patients.models import Intake, Patient, VideoConsent, Visit

PAGE_SIZE = 20


def _visit_for(request: HttpRequest, patient_pk: int, pk: int) -> Visit:
    return get_object_or_404(selectors.visit_queryset_for(request.user), patient_id=patient_pk, pk=pk)


@login_required
@permission_required("patients.view_any_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    search = query_text(request.GET, "q")
    patients = selectors.patient_list(user=request.user, search=search)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "patients/patient_list.html", {"page": page, "search": search})


def _render_record(request: HttpRequest, patient: Patient) -> HttpResponse:
    clinical = selectors.can_view_clinical(request.user)
    context: dict[str, object] = {
        "patient": patient,
        "clinical": clinical,
        "consent": consents.consent_in_force(patient),
        "consent_history": VideoConsent.objects.filter(patient=patient, withdrawn_at__isnull=False)[:5],
    }
    if clinical:
        context["visits"] = selectors.patient_timeline(user=request.user, patient=patient)
        context["complaints"] = patient.complaints.all()
        context["intake"] = Intake.objects.filter(patient=patient).first()
        audit_record(actor=request.user, action=AuditAction.VIEW, target=patient, patient_id=patient.pk)
    return render(request, "patients/patient_detail.html", context)


@login_required
@permission_required("patients.view_any_patient", raise_exception=True)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_record(request, selectors.patient_get_for(user=request.user, pk=pk))


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient", None)
    if patient is None or not request.user.has_perm("patients.view_patient"):
        raise Http404("No athlete record is linked to this account.")
    return _render_record(request, patient)


def _patient_form_class(request: HttpRequest) -> type[PatientDemographicsForm]:
    return PatientForm if selectors.can_view_clinical(request.user) else PatientDemographicsForm


@login_required
@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = _patient_form_class(request)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{patient.full_name} was added.")
            return redirect(patient)
    return render(request, "patients/patient_form.html", {"form": form, "title": "New patient"})


@login_required
@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, pk=pk)
    form_class = _patient_form_class(request)
    form = form_class(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        try:
            services.patient_update(patient=patient, updated_by=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(patient)
    context = {"form": form, "title": f"Edit {patient.full_name}", "patient": patient}
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("patients.add_visit", raise_exception=True)
def visit_create(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    initial = {"visit_date": timezone.localdate(), "clinician": request.user.pk}
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_create(patient=patient, created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Visit recorded.")
            return redirect(visit)
    context = {"form": form, "title": f"New visit for {patient.full_name}", "patient": patient}
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("patients.view_visit", raise_exception=True)
def visit_detail(request: HttpRequest, patient_pk: int, pk: int) -> HttpResponse:
    visit = _visit_for(request, patient_pk, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=visit, patient_id=visit.patient_id)
    return render(request, "patients/visit_detail.html", {"visit": visit, "patient": visit.patient})


@login_required
@permission_required("patients.change_visit", raise_exception=True)
def visit_edit(request: HttpRequest, patient_pk: int, pk: int) -> HttpResponse:
    visit = _visit_for(request, patient_pk, pk)
    form = VisitForm(request.POST or None, instance=Visit.objects.get(pk=visit.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(visit=visit, updated_by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Visit saved.")
            return redirect(visit)
    context = {"form": form, "title": "Edit visit", "patient": visit.patient}
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("patients.add_complaint", raise_exception=True)
def complaint_create(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.complaint_create(patient=patient, created_by=request.user, **form.cleaned_data)
        messages.success(request, "Complaint added.")
        return redirect(patient)
    context = {"form": form, "title": f"New complaint for {patient.full_name}", "patient": patient}
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("patients.change_intake", raise_exception=True)
def intake_edit(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    form = IntakeForm(request.POST or None, instance=Intake.objects.filter(patient=patient).first())
    if request.method == "POST" and form.is_valid():
        services.intake_save(patient=patient, updated_by=request.user, data=form.cleaned_data)
        messages.success(request, "Intake signs saved.")
        return redirect(patient)
    context = {"form": form, "title": f"Intake signs of {patient.full_name}", "patient": patient}
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("accounts.invite_athlete", raise_exception=True)
def athlete_invite_view(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    # Bound on every POST: the usual case (the record's address) posts no field at all.
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.athlete_invite(
                patient=patient,
                invited_by=request.user,
                other_email=form.cleaned_data["other_email"],
                other_email_confirmed=form.cleaned_data["confirm_other_email"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect(patient)
    context = {
        "form": form,
        "title": f"Invite {patient.full_name} to the athlete portal",
        "patient": patient,
        "intro": f"The invitation goes to the address on the record: {patient.email or '(none on the record)'}.",
    }
    return render(request, "patients/patient_form.html", context)


@login_required
@permission_required("patients.add_videoconsent", raise_exception=True)
def consent_edit(request: HttpRequest, patient_pk: int) -> HttpResponse:
    """Record the patient's consent to video, with the wording they agreed to on the page."""
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consents.consent_record(patient=patient, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect(patient)
    context = {
        "form": form,
        "patient": patient,
        "wording": wording(CURRENT_VERSION),
        "version": CURRENT_VERSION,
        "consent": consents.consent_in_force(patient),
        "withdraw_form": ConsentWithdrawForm(),
    }
    return render(request, "patients/consent.html", context)


@login_required
@permission_required("patients.change_videoconsent", raise_exception=True)
@require_POST
def consent_withdraw(request: HttpRequest, patient_pk: int) -> HttpResponse:
    """Withdraw the consent: owed analyses stop, the patient's videos are deleted."""
    patient = selectors.patient_get_for(user=request.user, pk=patient_pk)
    form = ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason must fit on one line of 255 characters.")
        return redirect("patients:consent", patient.pk)
    try:
        removed = consents.consent_withdraw(
            patient=patient, withdrawn_by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patients:consent", patient.pk)
    messages.success(request, f"Consent withdrawn. Queued analyses were stopped; {len(removed)} video(s) deleted.")
    return redirect(patient)
