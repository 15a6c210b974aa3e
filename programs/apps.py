from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "지원사업·실증"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from programs import permissions  # noqa: F401
