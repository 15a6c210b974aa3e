"""Page forms of routing. They parse and bound input; the rules live in routing.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from barriers.forms import AnswerForm
from barriers.models import RequestKind
from core.forms import KrdsForm
from firms.models import Sector
from routing.models import STATEMENT_MAX


class CorrectionForm(KrdsForm):
    """The official's own routing when the proposal is wrong (or partly wrong)."""

    kind = forms.ChoiceField(label=_("민원 종류"), choices=RequestKind.choices)
    sector = forms.ModelChoiceField(label=_("분야"), queryset=Sector.objects.all(), to_field_name="code")
    lead_agency = forms.ModelChoiceField(label=_("소관기관"), queryset=Agency.objects.filter(is_active=True))
    cooperating_agencies = forms.ModelMultipleChoiceField(
        label=_("협조 기관"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    statutes = forms.MultipleChoiceField(
        label=_("관련 법령(제안)"), widget=forms.CheckboxSelectMultiple, required=False
    )
    other_statutes = forms.CharField(
        label=_("그 밖의 관련 법령"),
        max_length=1000,
        required=False,
        help_text=_("법령 이름을 쉼표로 나누어 적습니다."),
    )
    note = forms.CharField(label=_("메모"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, proposed_statutes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statutes = self.fields["statutes"]
        assert isinstance(statutes, forms.MultipleChoiceField)
        statutes.choices = [(name, name) for name in proposed_statutes or []]

    def statute_names(self) -> list[str]:
        names = list(self.cleaned_data.get("statutes") or [])
        for name in (self.cleaned_data.get("other_statutes") or "").replace("\n", ",").split(","):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
        return names


class StatementForm(KrdsForm):
    statement = forms.CharField(
        label=_("규제 내용"),
        max_length=STATEMENT_MAX,
        help_text=_("확정하면 이 문장이 공개 목록에 표시됩니다. 기업을 알아볼 수 있는 내용은 빼 주세요."),
    )


class MergeForm(KrdsForm):
    target = forms.IntegerField(label=_("병합할 본질적 규제 번호"), min_value=1)


class SplitForm(KrdsForm):
    barrier_ids = forms.MultipleChoiceField(
        label=_("새 본질적 규제로 옮길 규제 애로"), widget=forms.CheckboxSelectMultiple
    )
    statement = forms.CharField(label=_("새 규제 내용"), max_length=STATEMENT_MAX, required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["barrier_ids"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(pk), f"#{pk} {title}") for pk, title in members or []]


class RecurringAnswerForm(AnswerForm):
    """The barrier answer form, sent once for every member barrier the agency leads."""


class RecurringFilterForm(KrdsForm):
    sector = forms.ModelChoiceField(
        label=_("분야"), queryset=Sector.objects.all(), to_field_name="code", required=False, empty_label=_("전체")
    )
    agency = forms.ModelChoiceField(
        label=_("소관기관"), queryset=Agency.objects.filter(is_active=True), required=False, empty_label=_("전체")
    )
    single = forms.BooleanField(label=_("구성원 1건인 후보 포함"), required=False)
