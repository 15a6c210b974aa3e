"""Admin: the access log and destruction records are read-only evidence."""

from __future__ import annotations

from django.contrib import admin

from privacy.models import PersonalDataAccess, RetentionRecord


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "viewer_label", "what", "subject_firm", "barrier_id", "via", "ip_address"]
    list_filter = ["what"]
    search_fields = ["viewer_label", "via"]
    date_hierarchy = "accessed_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RetentionRecord)
class RetentionRecordAdmin(admin.ModelAdmin):
    list_display = ["barrier", "closed_at", "destroyed_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
