from django.apps import AppConfig


class BulkFilingConfig(AppConfig):
    name = "bulk_filing"
    verbose_name = "일괄 접수"
