from django.urls import path

from patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("me/", views.my_record, name="my-record"),
    path("<dbint:pk>/", views.patient_detail, name="detail"),
    path("<dbint:pk>/edit/", views.patient_edit, name="edit"),
    path("<dbint:patient_pk>/invite/", views.athlete_invite_view, name="invite"),
    path("<dbint:patient_pk>/complaints/new/", views.complaint_create, name="complaint-create"),
    path("<dbint:patient_pk>/intake/", views.intake_edit, name="intake"),
    path("<dbint:patient_pk>/consent/", views.consent_edit, name="consent"),
    path("<dbint:patient_pk>/consent/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("<dbint:patient_pk>/visits/new/", views.visit_create, name="visit-create"),
    path("<dbint:patient_pk>/visits/<dbint:pk>/", views.visit_detail, name="visit-detail"),
    path("<dbint:patient_pk>/visits/<dbint:pk>/edit/", views.visit_edit, name="visit-edit"),
]
