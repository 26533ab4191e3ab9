from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api.self_checks import SelfCheckViewSet
from assessments.api.uploads import UploadCreateView, UploadDetailView
from assessments.api.views import AssessmentViewSet, HipDropTrendView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("self-checks", SelfCheckViewSet, basename="self-check")
urlpatterns = [
    *router.urls,
    # Resumable upload (tus 1.0.0): the id is the upload's random UUID.
    path("uploads/", UploadCreateView.as_view(), name="upload-list"),
    path("uploads/<uuid:upload_id>/", UploadDetailView.as_view(), name="upload-detail"),
    path("patients/<dbint:pk>/hip-drop-trend/", HipDropTrendView.as_view(), name="patient-hip-drop-trend"),
]
