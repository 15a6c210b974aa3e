from django.contrib import admin

from programs.models import (
    DemonstrationSite,
    ImportRun,
    ProgramApplication,
    ProgramNotice,
    SiteBooking,
    SupportProgram,
)


@admin.register(SupportProgram)
class SupportProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "kind", "period_kind", "closes_on", "archived", "is_demo"]
    list_filter = ["source", "kind", "period_kind", "archived", "is_demo"]
    search_fields = ["title", "external_id", "agency_name", "operator"]
    filter_horizontal = ["sectors", "clusters"]
    readonly_fields = ["parse_notes"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "file_name", "records", "created", "updated", "unchanged"]
    readonly_fields = ["report"]


@admin.register(ProgramApplication)
class ProgramApplicationAdmin(admin.ModelAdmin):
    list_display = ["program", "firm", "status", "applied_on", "made_elsewhere"]
    list_filter = ["status"]
    raw_id_fields = ["program", "firm", "applicant"]
    readonly_fields = ["status"]  # status moves only through programs.services


@admin.register(ProgramNotice)
class ProgramNoticeAdmin(admin.ModelAdmin):
    list_display = ["program", "firm", "score", "created_at", "read_at"]
    raw_id_fields = ["program", "firm"]


@admin.register(DemonstrationSite)
class DemonstrationSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "operator_name", "cluster", "capacity", "is_active", "is_demo"]
    list_filter = ["kind", "is_active", "is_demo"]
    filter_horizontal = ["sectors"]


@admin.register(SiteBooking)
class SiteBookingAdmin(admin.ModelAdmin):
    list_display = ["site", "firm", "starts_at", "ends_at", "status"]
    list_filter = ["status", "site"]
    raw_id_fields = ["firm"]
    readonly_fields = ["status", "starts_at", "ends_at"]  # changes go through programs.bookings
