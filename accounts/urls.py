from django.urls import path

from accounts import two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite-accept"),
    path("two-factor/", two_factor_views.two_factor_verify, name="two-factor"),
    path("two-factor/setup/", two_factor_views.two_factor_setup, name="two-factor-setup"),
]
