from django.contrib import admin

from bulk_filing.models import BulkUpload


@admin.register(BulkUpload)
class BulkUploadAdmin(admin.ModelAdmin):
    list_display = ("file_name", "association", "uploaded_by", "status", "total_rows", "created_count", "created_at")
    list_filter = ("status",)
    search_fields = ("file_name",)
    exclude = ("data",)
    readonly_fields = [f.name for f in BulkUpload._meta.fields if f.name != "data"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
