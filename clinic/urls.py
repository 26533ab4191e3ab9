"""Top-level routes: pages per app, the REST API under /api/v1/, schema and docs."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.views import MeView, TokenObtainView
from accounts.views import home
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
    path("users/me/", MeView.as_view(), name="users-me"),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("patients/", include("patients.urls")),
    path("schedule/", include("scheduling.urls")),
    path("assessments/", include("assessments.urls")),
    path("programs/", include("programs.urls")),
    path("portal/", include("programs.portal_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]

# Errors answer JSON under /api/ and a page with the reason elsewhere (clinic/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
