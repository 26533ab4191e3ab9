"""The site root ("home", no namespace): each role lands on its own start page."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today, name="today"),
]
