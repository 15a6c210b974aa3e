"""Admin for ecosystem indicators and targets: dated, sourced data that admins keep current."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from insights.models import EcosystemIndicator, Target


@admin.register(EcosystemIndicator)
class EcosystemIndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "value", "unit", "as_of", "source")
    list_filter = ("code",)
    search_fields = ("name", "code", "source")
    date_hierarchy = "as_of"


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "value", "unit", "comparison", "due_on", "stated_on", "is_current", "source")
    list_filter = ("code", "is_current")
    actions = ["make_current"]

    @admin.action(description=_("선택한 목표를 현행 목표로 정하기 (지표마다 하나)"))
    def make_current(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        chosen = list(queryset)
        if len({t.code for t in chosen}) != len(chosen):
            self.message_user(request, _("지표마다 목표를 하나만 고르세요."), messages.ERROR)
            return
        with transaction.atomic():
            for target in chosen:
                Target.objects.filter(code=target.code, is_current=True).exclude(pk=target.pk).update(is_current=False)
                Target.objects.filter(pk=target.pk).update(is_current=True)
        self.message_user(request, _("현행 목표를 바꿨습니다."))
