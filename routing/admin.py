"""Admin views of routing data (read-mostly: the workflow writes through routing.services)."""

from __future__ import annotations

from django.contrib import admin

from routing.models import RecurringMembership, RecurringRegulation, RoutingDecision, RoutingSuggestion


@admin.register(RoutingSuggestion)
class RoutingSuggestionAdmin(admin.ModelAdmin):
    list_display = ("barrier", "sector", "status", "model_version", "updated_at")
    list_filter = ("status", "sector")
    raw_id_fields = ("barrier",)
    readonly_fields = ("sector_scores", "agencies", "statutes", "articles")


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ("barrier", "sector", "lead_agency", "accepted_as_proposed", "created_at")
    list_filter = ("accepted_as_proposed", "sector")
    raw_id_fields = ("barrier", "suggestion")


class MembershipInline(admin.TabularInline):
    model = RecurringMembership
    raw_id_fields = ("barrier", "linked_by")
    extra = 0


@admin.register(RecurringRegulation)
class RecurringRegulationAdmin(admin.ModelAdmin):
    list_display = ("pk", "statement", "status", "member_count", "firm_count", "days_unresolved", "harm_score")
    list_filter = ("status", "answer_state")
    search_fields = ("statement",)
    inlines = [MembershipInline]
    readonly_fields = ("member_count", "firm_count", "days_unresolved", "harm_score", "public_harm_score")
