from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api.views import AppointmentTypeViewSet, AppointmentViewSet, FreeSlotsView

router = SimpleRouter()
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("appointment-types", AppointmentTypeViewSet, basename="appointment-type")
urlpatterns = [
    path("appointment-slots/", FreeSlotsView.as_view(), name="appointment-slots"),
    *router.urls,
]
