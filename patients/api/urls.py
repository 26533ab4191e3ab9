from rest_framework.routers import DefaultRouter

from patients.api.views import PatientViewSet, VisitViewSet

router = DefaultRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register("visits", VisitViewSet, basename="visit")
urlpatterns = router.urls
