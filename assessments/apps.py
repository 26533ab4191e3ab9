from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Hip-drop assessments"

    def ready(self) -> None:
        from assessments import checks  # noqa: F401  (registers the time-limit check)
