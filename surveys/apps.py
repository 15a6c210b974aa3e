from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "만족도 조사"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from surveys import permissions  # noqa: F401
