"""Dashboard filters: parsing only; ``insights.selectors.check_filters`` decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import KrdsForm
from insights.selectors import DIMENSIONS


class DashboardFilterForm(KrdsForm):
    dimension = forms.ChoiceField(
        label=_("구분"), required=False, choices=[("", _("전체"))] + [(k, v) for k, v in DIMENSIONS.items()]
    )
    since = forms.DateField(label=_("시작일"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("종료일"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
