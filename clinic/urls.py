"""Top-level routes: pages per app, the REST API under /api/v1/, schema and docs, FHIR R4 under /fhir/r4/.

Apps are included by dotted string: clinic/ is the ground floor and imports no app
(tests/test_clinic_imports.py).
"""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic import converters, errors

# Before the includes below: the apps' routes use <dbint:...>.
converters.register()


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


api_v1 = [
    path("", include("patients.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("programs.api.urls")),
    path("", include("accounts.api.urls")),
]

urlpatterns = [
    path("", include("accounts.home_urls")),
    path("accounts/", include("accounts.auth_urls")),
    path("accounts/", include("accounts.urls")),
    path("patients/", include("patients.urls")),
    path("schedule/", include("scheduling.urls")),
    path("assessments/", include("assessments.urls")),
    path("programs/", include("programs.urls")),
    path("portal/self-checks/", include("assessments.self_check_urls")),
    path("portal/", include("programs.portal_urls")),
    path("exports/", include("exports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("fhir/r4/", include("fhir_api.urls")),
    path("healthz", healthz, name="healthz"),
]

# Errors answer JSON under /api/ and a page with the reason elsewhere (clinic/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
