from django.contrib import admin

from firms.models import Association, AssociationMembership, Cluster, Firm, KsicCode, Sector


class AssociationMembershipInline(admin.TabularInline):
    model = AssociationMembership
    extra = 0
    autocomplete_fields = ["firm", "association"]


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "brn_display", "size_class", "founded_on", "cluster", "district"]
    list_filter = ["size_class", "sectors", "cluster", "district"]
    search_fields = ["name", "business_registration_number"]
    autocomplete_fields = ["ksic", "cluster"]
    filter_horizontal = ["sectors"]
    inlines = [AssociationMembershipInline]


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "founded_year"]
    search_fields = ["name"]
    filter_horizontal = ["sectors"]
    inlines = [AssociationMembershipInline]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "name_en", "ordering"]


@admin.register(KsicCode)
class KsicCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "theme", "as_of", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "theme"]
    filter_horizontal = ["sectors"]
