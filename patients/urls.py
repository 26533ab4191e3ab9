from django.urls import path

from patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("me/", views.my_record, name="my-record"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_pk>/invite/", views.athlete_invite_view, name="invite"),
    path("<int:patient_pk>/complaints/new/", views.complaint_create, name="complaint-create"),
    path("<int:patient_pk>/intake/", views.intake_edit, name="intake"),
    path("<int:patient_pk>/visits/new/", views.visit_create, name="visit-create"),
    path("<int:patient_pk>/visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("<int:patient_pk>/visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
]
