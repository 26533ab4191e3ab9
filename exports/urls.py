from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("me/", views.my_data, name="my-data"),
    path("patients/<dbint:patient_pk>/", views.patient_export, name="patient"),
    path("download/<str:token>/", views.download, name="download"),
]
