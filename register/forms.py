"""Forms of the register: the public filter bar and the official's masking and withdrawal forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barriers.models import BarrierStatus
from core.forms import KrdsForm
from register.selectors import REGISTER_STATES, RegisterFilter, Sort, agency_choices, register_years, sectors_by_id


class RegisterFilterForm(KrdsForm):
    q = forms.CharField(label=_("검색어"), required=False, max_length=200)
    sector = forms.ChoiceField(label=_("분야"), required=False)
    agency = forms.ChoiceField(label=_("소관기관"), required=False)
    status = forms.ChoiceField(label=_("상태"), required=False)
    year = forms.TypedChoiceField(label=_("접수 연도"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("처리 기한이 지난 건만"), required=False)
    sort = forms.ChoiceField(label=_("정렬"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("전체"))]
        sectors = sorted(sectors_by_id().values(), key=lambda s: s.name)
        self.fields["sector"].choices = everything + [(s.code, s.name) for s in sectors]  # type: ignore[attr-defined]
        self.fields["agency"].choices = everything + agency_choices()  # type: ignore[attr-defined]
        self.fields["status"].choices = everything + [(s.value, s.label) for s in BarrierStatus if s in REGISTER_STATES]  # type: ignore[attr-defined]
        self.fields["year"].choices = everything + [(y, str(y)) for y in register_years()]  # type: ignore[attr-defined]
        self.fields["sort"].choices = [(value, _(label)) for value, label in Sort.CHOICES]  # type: ignore[attr-defined]

    def to_filter(self) -> RegisterFilter:
        """The filter the visitor asked for; an invalid value is ignored rather than refused."""
        if not self.is_valid():
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        else:
            data = self.cleaned_data
        return RegisterFilter(
            q=data.get("q") or "",
            sector=data.get("sector") or "",
            agency=data.get("agency") or "",
            status=data.get("status") or "",
            year=data.get("year") or None,
            overdue=bool(data.get("overdue")),
            sort=data.get("sort") or Sort.NEWEST,
        )


class MaskForm(KrdsForm):
    extra_terms = forms.CharField(
        label=_("추가로 가릴 표현"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("한 줄에 하나씩 적습니다. 적은 표현은 본문, 회신, 이행 기록 어디에 있든 [비공개]로 바뀝니다."),
    )

    def terms(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("extra_terms") or "").splitlines() if line.strip()]


class WithdrawForm(KrdsForm):
    reason = forms.CharField(label=_("철회 사유"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
