from django.apps import AppConfig


class BarriersConfig(AppConfig):
    name = "barriers"
    verbose_name = "규제 애로"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from barriers import permissions  # noqa: F401
