from django.urls import path

from assessments import views

app_name = "assessments"
urlpatterns = [
    path("visits/<dbint:visit_pk>/upload/", views.upload, name="upload"),
    path("visits/<dbint:visit_pk>/report/", views.visit_report, name="visit-report"),
    path("visits/<dbint:visit_pk>/report.pdf", views.visit_report_pdf, name="visit-report-pdf"),
    path("patients/<dbint:patient_pk>/trend/", views.trend, name="trend"),
    path("patients/<dbint:patient_pk>/compare/", views.compare, name="compare"),
    path("<dbint:pk>/", views.detail, name="detail"),
    path("<dbint:pk>/interpretation/", views.interpretation, name="interpretation"),
    path("<dbint:pk>/reanalyse/", views.reanalyse, name="reanalyse"),
    path("<dbint:pk>/accept/", views.accept, name="accept"),
    path("<dbint:pk>/of-record/", views.of_record, name="of-record"),
    path("<dbint:pk>/video/", views.video, name="video"),
    path("<dbint:pk>/preview/", views.preview, name="preview"),
    path("<dbint:pk>/playback/", views.playback, name="playback"),
    path("<dbint:pk>/keyframes/<dbint:index>/", views.keyframe, name="keyframe"),
    path("<dbint:pk>/keyframes/<dbint:index>/page/", views.keyframe_page, name="keyframe-page"),
    path("<dbint:pk>/keyframes/<dbint:index>/check/", views.keyframe_check, name="keyframe-check"),
    path("agreement/", views.agreement, name="agreement"),
    path("self-checks/", views.self_check_list, name="self-checks"),
    path("<dbint:pk>/review/", views.self_check_review, name="self-check-review"),
]
