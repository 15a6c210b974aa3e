from django.apps import AppConfig


class RegulationsConfig(AppConfig):
    name = "regulations"
    verbose_name = "법령 지식"

    def ready(self) -> None:
        from regulations import permissions  # noqa: F401
        from regulations.search import names  # noqa: F401  (connects the name-table signals)
