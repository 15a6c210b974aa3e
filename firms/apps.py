from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    verbose_name = "기업·협회"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from firms import permissions  # noqa: F401
