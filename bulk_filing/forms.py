"""The upload form: one file, and which association it files for when staff serve several."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import KrdsForm
from firms.models import Association


class UploadForm(KrdsForm):
    file = forms.FileField(
        label=_("접수 파일 (CSV 또는 XLSX)"),
        help_text=_("양식의 머리글 그대로, 한 행에 규제 애로 한 건. 최대 10,000행, 64MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    association = forms.ModelChoiceField(
        label=_("대신 접수하는 협회"), queryset=Association.objects.none(), required=False
    )

    def __init__(self, *args: Any, associations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if associations is not None and associations.count() > 1:
            self.fields["association"].queryset = associations  # type: ignore[attr-defined]
            self.fields["association"].required = True
        else:
            del self.fields["association"]
