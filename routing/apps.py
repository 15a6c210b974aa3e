from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "라우팅"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from routing import permissions  # noqa: F401
