from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api.views import AssessmentViewSet, HipDropTrendView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
urlpatterns = [
    *router.urls,
    path("patients/<dbint:pk>/hip-drop-trend/", HipDropTrendView.as_view(), name="patient-hip-drop-trend"),
]
