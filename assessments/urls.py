from django.urls import path

from assessments import views

app_name = "assessments"
urlpatterns = [
    path("visits/<int:visit_pk>/upload/", views.upload, name="upload"),
    path("visits/<int:visit_pk>/report/", views.visit_report, name="visit-report"),
    path("visits/<int:visit_pk>/report.pdf", views.visit_report_pdf, name="visit-report-pdf"),
    path("patients/<int:patient_pk>/trend/", views.trend, name="trend"),
    path("patients/<int:patient_pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/interpretation/", views.interpretation, name="interpretation"),
    path("<int:pk>/reanalyse/", views.reanalyse, name="reanalyse"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/of-record/", views.of_record, name="of-record"),
    path("<int:pk>/video/", views.video, name="video"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/keyframes/<int:index>/", views.keyframe, name="keyframe"),
    path("<int:pk>/keyframes/<int:index>/check/", views.keyframe_check, name="keyframe-check"),
    path("agreement/", views.agreement, name="agreement"),
]
