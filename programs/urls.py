from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="program-list"),
    path("new/", views.program_create, name="program-create"),
    path("<dbint:pk>/", views.program_detail, name="program-detail"),
    path("items/<dbint:pk>/dosage/", views.program_item_edit, name="program-item-edit"),
    path("exercises/", views.exercise_list, name="exercise-list"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise-detail"),
    path("exercises/<slug:slug>/edit/", views.exercise_edit, name="exercise-edit"),
    path("alerts/", views.alerts, name="alerts"),
    path("patients/<dbint:patient_pk>/", views.patient_progress, name="patient"),
    path("patients/<dbint:patient_pk>/prescribe/", views.prescribe, name="prescribe"),
    path("prescriptions/<dbint:pk>/revise/", views.revise, name="revise"),
    path("prescriptions/<dbint:pk>/undo/", views.undo, name="undo"),
]
