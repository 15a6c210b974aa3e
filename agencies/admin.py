from django.contrib import admin

from agencies.models import Agency, AgencyAlias


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "statute_count", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "name_en", "aliases__name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyAliasInline]


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "kind", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["name", "agency__name"]
    autocomplete_fields = ["agency"]
