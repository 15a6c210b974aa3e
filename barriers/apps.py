from django.apps import AppConfig


class BarriersConfig(AppConfig):
    name = "barriers"
    verbose_name = "규제 애로"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        # Connects the signals that drop the cached deadline policies, closures and sectors.
        from barriers import (  # noqa: F401
            deadlines,
            permissions,  # noqa: F401
            sector_table,
        )
