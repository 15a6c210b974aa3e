"""Issuing Open311 keys: the key is generated on save and shown once, in the confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.permissions import can
from open311.models import Open311Client


class Open311ClientForm(forms.ModelForm):
    regenerate_key = forms.BooleanField(label="새 키 발급 (기존 키는 더 이상 쓸 수 없습니다)", required=False)

    class Meta:
        model = Open311Client
        fields = ["name", "user", "firm", "association", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        firm, association, user = data.get("firm"), data.get("association"), data.get("user")
        if bool(firm) == bool(association):
            raise ValidationError(_("기업과 협회 중 하나만 고르세요."))
        if user is not None and firm is not None and not can(user, "barrier.file", firm):
            raise ValidationError(_("접수 계정이 이 기업을 대신해 접수할 수 없습니다 (기업 회원이어야 합니다)."))
        if user is not None and association is not None:
            from accounts.roles import roles_of

            if association.pk not in roles_of(user).association_ids:
                raise ValidationError(_("접수 계정이 이 협회의 담당자가 아닙니다."))
        return data


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    form = Open311ClientForm
    list_display = ("name", "key_prefix", "firm", "association", "user", "is_active", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    readonly_fields = ("key_prefix", "created_at", "last_used_at")

    def save_model(self, request: Any, obj: Open311Client, form: Any, change: bool) -> None:
        if not change or form.cleaned_data.get("regenerate_key"):
            key = obj.set_new_key()
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("API 키: %(key)s — 지금 한 번만 보여 드립니다. 안전한 곳에 옮겨 두세요.") % {"key": key},
            )
            return
        super().save_model(request, obj, form, change)
