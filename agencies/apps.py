from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "소관기관"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from agencies import permissions  # noqa: F401
