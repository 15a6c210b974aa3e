"""Page forms for co-signing and association proxy filing (the rules live in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barriers.models import BODY_MAX, TEXT_MAX, TITLE_MAX, Privacy, RequestKind
from barriers.services.proxy_filing import JOINT, SEPARATE
from core.forms import KrdsForm
from firms.models import Firm, Sector


class CoSignForm(KrdsForm):
    firm = forms.ModelChoiceField(label=_("공동 서명 기업"), queryset=Firm.objects.none(), empty_label=None)
    account = forms.CharField(
        label=_("우리 기업이 겪는 피해"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("선택 사항입니다. 같은 애로로 우리 기업이 겪는 일을 적어 주세요."),
    )
    harm_cost_won = forms.IntegerField(label=_("추정 비용(원)"), min_value=0, max_value=10**15, required=False)
    harm_delay_months = forms.IntegerField(label=_("사업 지연(개월)"), min_value=0, max_value=600, required=False)
    show_to_filer = forms.BooleanField(
        label=_("신청 기업에 우리 기업명을 알립니다"),
        required=False,
        help_text=_("선택하지 않으면 신청 기업에는 기업 수만 보입니다. 서울시는 공동 서명 기업을 확인할 수 있습니다."),
    )

    def __init__(self, *args: Any, firms: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms if firms is not None else Firm.objects.none()  # type: ignore[attr-defined]


class ProxyFilingForm(KrdsForm):
    members = forms.MultipleChoiceField(label=_("대신 접수할 회원사"), widget=forms.CheckboxSelectMultiple)
    sealed_members = forms.MultipleChoiceField(
        label=_("소관기관에 기업 정보를 알리지 않을 회원사"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("서울시는 기업을 알 수 있지만, 소관기관에는 기업명이 보이지 않습니다."),
    )
    mode = forms.ChoiceField(
        label=_("접수 방식"),
        choices=[
            (SEPARATE, _("회원사마다 한 건씩 접수")),
            (JOINT, _("한 건으로 접수하고 나머지 회원사는 공동 서명")),
        ],
        initial=SEPARATE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("제목"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("애로 내용"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8}))
    sectors = forms.MultipleChoiceField(label=_("분야"), widget=forms.CheckboxSelectMultiple)
    kind = forms.ChoiceField(label=_("민원 종류"), choices=RequestKind.choices, initial=RequestKind.PROPOSAL)
    desired_change = forms.CharField(
        label=_("개선 요청 사항"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    privacy = forms.ChoiceField(
        label=_("공개 범위"), choices=Privacy.choices, initial=Privacy.PUBLIC_ANONYMOUS, widget=forms.RadioSelect
    )
    submit_now = forms.BooleanField(
        label=_("바로 접수합니다"),
        required=False,
        help_text=_("선택하지 않으면 초안으로 저장되고, 회원사가 내용을 보완한 뒤 접수할 수 있습니다."),
    )

    def __init__(self, *args: Any, firms: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(f.pk), f.name) for f in (firms if firms is not None else [])]
        self.fields["members"].choices = choices  # type: ignore[attr-defined]
        self.fields["sealed_members"].choices = choices  # type: ignore[attr-defined]
        self.fields["sectors"].choices = [(s.code, s.name) for s in Sector.objects.all()]  # type: ignore[attr-defined]
