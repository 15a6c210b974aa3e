"""Admin views of publications: read-only (publish and withdraw go through the services, which
redact and check the rules)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from register.models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "title", "published_at", "withdrawn_at")
    list_filter = ("withdrawn_at",)
    search_fields = ("public_id", "title")
    readonly_fields = [f.name for f in Publication._meta.get_fields() if f.concrete]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
