from django.contrib import admin

from core.models import SiteConfig


@admin.register(SiteConfig)
class SiteConfigAdmin(admin.ModelAdmin):
    list_display = ["service_name", "contact_email"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not SiteConfig.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
