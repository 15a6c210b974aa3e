from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "라우팅"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module, and keeps a
        # RoutingDecision for every triage, whichever page or endpoint made it.
        from routing import permissions, receivers  # noqa: F401
