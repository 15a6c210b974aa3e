from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "성과 측정"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from insights import permissions  # noqa: F401
