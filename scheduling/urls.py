from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("slots/", views.slot_search, name="slots"),
    path("book/", views.book, name="book"),
    path("<dbint:pk>/", views.appointment_detail, name="detail"),
    path("<dbint:pk>/move/", views.appointment_move, name="move"),
    path("<dbint:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("<dbint:pk>/undo-cancel/", views.appointment_restore, name="restore"),
    path("<dbint:pk>/outcome/", views.appointment_outcome, name="outcome"),
    path("follow-up/<dbint:visit_pk>/", views.follow_up, name="follow-up"),
    path("reminders/", views.reminders, name="reminders"),
    path("hours/", views.working_hours, name="hours"),
    path("hours/<dbint:pk>/delete/", views.working_hours_delete, name="hours-delete"),
    path("time-off/<dbint:pk>/delete/", views.calendar_exception_delete, name="exception-delete"),
    path("feed/", views.my_feed, name="my-feed"),
    path("feeds/<slug:token>.ics", views.clinician_feed, name="clinician-feed"),
    path("patients/<dbint:patient_pk>/appointments.ics", views.patient_calendar, name="patient-calendar"),
]
