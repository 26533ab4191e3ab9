from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite-accept"),
]
