from django.apps import AppConfig


class BulkFilingConfig(AppConfig):
    name = "bulk_filing"
    verbose_name = "일괄 접수"

    def ready(self) -> None:
        from bulk_filing import permissions  # noqa: F401  (registers the bulk_filing.* rules)
