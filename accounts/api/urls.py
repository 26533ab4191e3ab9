"""Account routes of the REST API (under /api/v1/, namespace "api"): who am I, and token sign-in."""

from django.urls import path

from accounts.api.views import MeView, TokenObtainView

urlpatterns = [
    path("users/me/", MeView.as_view(), name="users-me"),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
]
