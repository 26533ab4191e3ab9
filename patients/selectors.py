"""Reads of patients and visits, always scoped to what the requesting user may see.

DRF and the pages run object permissions only on single objects; scoping the queryset here
is what keeps lists, searches and filters from leaking another athlete's record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from patients.models import Patient, VideoConsent, Visit


def can_view_clinical(user: Any) -> bool:
    return bool(user.has_perm("patients.view_clinical_record"))


def patient_queryset_for(user: Any) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.has_perm("patients.view_patient"):
        return Patient.objects.none()
    patients = Patient.objects.all()
    if not user.has_perm("patients.view_any_patient"):
        patients = patients.filter(user=user)
    return patients


def patient_get_for(*, user: Any, pk: int) -> Patient:
    """One patient the user may see, or Http404: another athlete's record does not exist for them."""
    return get_object_or_404(patient_queryset_for(user), pk=pk)


def _visit_count() -> Coalesce:
    """Visits per patient as a correlated subquery: computed only for the rows of the page shown,
    and left out of the paginator's count (a join and GROUP BY would count every patient's visits)."""
    visits = Visit.objects.filter(patient=OuterRef("pk")).order_by().values("patient").annotate(n=Count("pk"))
    return Coalesce(Subquery(visits.values("n")), 0)


def patient_list(*, user: Any, search: str = "", include_inactive: bool = False) -> QuerySet[Patient]:
    consent = VideoConsent.objects.filter(patient=OuterRef("pk"), withdrawn_at__isnull=True, film_and_analyse=True)
    patients = (
        patient_queryset_for(user)
        .annotate(visit_count=_visit_count(), has_video_consent=Exists(consent))
        .order_by("last_name", "first_name", "id")
    )
    if not include_inactive:
        patients = patients.filter(is_active=True)
    for term in search.split():
        patients = patients.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
    return patients


def visit_queryset_for(user: Any) -> QuerySet[Visit]:
    if not user.has_perm("patients.view_visit") or not can_view_clinical(user):
        return Visit.objects.none()
    return Visit.objects.filter(patient__in=patient_queryset_for(user)).select_related("patient", "clinician")


def patient_timeline(*, user: Any, patient: Patient) -> QuerySet[Visit]:
    """The patient's visits, newest first, as the clinician reads them on the detail page."""
    return visit_queryset_for(user).filter(patient=patient)
