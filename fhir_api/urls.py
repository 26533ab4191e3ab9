"""The FHIR R4 read API, under /fhir/r4/: metadata, read and search per resource type,
Patient/$everything. Route names: fhir:<type>-read, fhir:<type>-search (type in lower case)."""

from django.urls import path

from fhir_api import views
from fhir_api.selectors.registry import KINDS

app_name = "fhir"
urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("Patient/<str:resource_id>/$everything", views.EverythingView.as_view(), name="patient-everything"),
]
for resource_type in KINDS:
    urlpatterns += [
        path(
            resource_type, views.SearchView.as_view(resource_type=resource_type), name=f"{resource_type.lower()}-search"
        ),
        path(
            f"{resource_type}/<str:resource_id>",
            views.ReadView.as_view(resource_type=resource_type),
            name=f"{resource_type.lower()}-read",
        ),
    ]
urlpatterns.append(path("<path:unknown>", views.UnknownView.as_view(), name="unknown"))
