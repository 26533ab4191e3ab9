from django.urls import path

from assessments import self_check_views

app_name = "self-checks"
urlpatterns = [
    path("", self_check_views.mine, name="mine"),
    path("send/", self_check_views.send, name="send"),
    path("<dbint:pk>/", self_check_views.detail, name="detail"),
]
