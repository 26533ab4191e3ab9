from rest_framework.routers import DefaultRouter

from programs.api.views import ExerciseViewSet, PrescriptionViewSet, ProgramViewSet, SessionLogViewSet

router = DefaultRouter()
router.register("exercises", ExerciseViewSet, basename="exercise")
router.register("programs", ProgramViewSet, basename="program")
router.register("prescriptions", PrescriptionViewSet, basename="prescription")
router.register("logs", SessionLogViewSet, basename="sessionlog")
urlpatterns = router.urls
