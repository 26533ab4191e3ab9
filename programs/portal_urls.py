from django.urls import path

from programs import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.today, name="today"),
    path("log/", portal_views.log_session, name="log"),
    path("sessions/<dbint:pk>/next-morning/", portal_views.next_morning, name="next-morning"),
    path("sessions/<dbint:pk>/edit/", portal_views.edit_session, name="session-edit"),
    path("sessions/<dbint:pk>/delete/", portal_views.delete_session, name="session-delete"),
    path("history/", portal_views.history, name="history"),
]
