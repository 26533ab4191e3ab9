"""Top-level routes: pages per app, the REST API under /api/v1/, schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.views import MeView, TokenObtainView
from accounts.views import PasswordResetView, SignInView, home


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

# django.contrib.auth.urls, with sign-in and password reset rate-limited (accounts/views.py).
auth_urls = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include(auth_urls)),
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
