"""Admin: barriers read-mostly (status changes go through the services), policy tables editable."""

from __future__ import annotations

from django.contrib import admin

from barriers.models import (
    AnswerTemplate,
    Barrier,
    BarrierAnswer,
    BarrierClock,
    BarrierEvent,
    DeadlinePolicy,
    NonWorkingDay,
    Notification,
)


class EventInline(admin.TabularInline):
    model = BarrierEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "verb", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ClockInline(admin.TabularInline):
    model = BarrierClock
    extra = 0
    can_delete = False
    fields = ("step", "agency", "started_at", "period_days", "counting", "due_at", "extensions", "stopped_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Barrier)
class BarrierAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "firm", "status", "kind", "lead_agency", "due_at", "escalation_level"]
    list_filter = ["status", "kind", "privacy", "seal_from_agency", "escalation_level"]
    search_fields = ["title", "firm__name"]
    raw_id_fields = ["firm", "filed_by", "lead_agency"]
    # The workflow fields are written only by the services (one audit event per move).
    readonly_fields = [
        "status",
        "status_changed_at",
        "version",
        "submitted_at",
        "triaged_at",
        "forwarded_at",
        "first_answered_at",
        "closed_at",
        "due_at",
        "due_step",
        "escalation_level",
        "second_review_used",
        "lead_agency",
    ]
    inlines = [ClockInline, EventInline]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["step", "kind", "agency", "days", "counting", "source"]
    list_filter = ["step", "kind", "counting"]
    raw_id_fields = ["agency"]


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ["day", "name"]


@admin.register(BarrierAnswer)
class BarrierAnswerAdmin(admin.ModelAdmin):
    list_display = ["barrier", "agency", "round", "outcome", "reason_code", "created_at"]
    list_filter = ["outcome", "reason_code"]
    readonly_fields = [f.name for f in BarrierAnswer._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "outcome", "agency", "is_active"]
    list_filter = ["outcome", "is_active"]
    raw_id_fields = ["agency"]
