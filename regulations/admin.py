"""Admin for the knowledge base: aliases and core regulations are curated here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from regulations.models import (
    Article,
    CoreRegulation,
    SandboxPathway,
    SandboxProvision,
    SandboxTrack,
    Statute,
    StatuteAlias,
)


class StatuteAliasInline(admin.TabularInline):
    model = StatuteAlias
    extra = 1
    fields = ["name", "source"]


@admin.register(Statute)
class StatuteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "role", "agency", "effective_on", "article_count"]
    list_filter = ["kind", "role", "sectors"]
    search_fields = ["name", "law_id", "aliases__name"]
    readonly_fields = [
        "law_id", "mst", "name", "kind", "kind_detail", "role", "parent", "ministry_name", "promulgated_on",
        "promulgation_no", "effective_on", "revision", "source_url", "pending", "annexes", "article_count",
    ]  # fmt: skip
    fields = [*readonly_fields, "agency", "sectors"]
    filter_horizontal = ["sectors"]
    inlines = [StatuteAliasInline]

    def save_related(self, request: HttpRequest, form: object, formsets: object, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[arg-type]
        # Aliases feed the name index: re-analyse this statute's name tokens.
        from regulations.services import refresh_statute_name_index

        refresh_statute_name_index(statute=form.instance)  # type: ignore[attr-defined]


@admin.register(StatuteAlias)
class StatuteAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "statute", "source"]
    list_filter = ["source"]
    search_fields = ["name", "statute__name"]
    autocomplete_fields = ["statute"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["statute", "number", "title"]
    search_fields = ["statute__name", "number", "title"]
    readonly_fields = ["statute", "number", "title", "chapter", "text", "position"]
    exclude = ["tokens", "title_tokens", "tokens_hash", "text_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles come from the corpus only

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("statute")


@admin.register(CoreRegulation)
class CoreRegulationAdmin(admin.ModelAdmin):
    list_display = ["sector", "statute", "article", "mentions", "ordering", "is_published"]
    list_filter = ["sector", "is_published"]
    list_editable = ["ordering", "is_published"]
    search_fields = ["statute__name", "summary"]
    autocomplete_fields = ["statute", "article"]


class SandboxProvisionInline(admin.TabularInline):
    model = SandboxProvision
    extra = 0
    autocomplete_fields = ["article"]


@admin.register(SandboxTrack)
class SandboxTrackAdmin(admin.ModelAdmin):
    list_display = ["name", "ministry_name", "statute_name", "excludes_capital_region", "requires_zone"]
    inlines = [SandboxProvisionInline]
    filter_horizontal = ["sectors"]
    autocomplete_fields = ["statute", "agency"]


@admin.register(SandboxPathway)
class SandboxPathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "duration", "ordering"]
