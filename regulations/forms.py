"""Forms of the regulation pages (GET forms: search and the sandbox questionnaire)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import normalize_text
from firms.models import Sector
from regulations.models import StatuteKind
from regulations.sandbox import MAX_DESCRIPTION, Answers
from regulations.search.engine import MAX_QUERY_CHARS


def _sector_choices() -> list[tuple[str, Any]]:
    return [("", _("전체 분야")), *((s.code, s.name) for s in Sector.objects.all())]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("검색어"), max_length=MAX_QUERY_CHARS, required=False)
    mode = forms.ChoiceField(
        label=_("찾을 대상"), choices=[("statutes", _("법령")), ("articles", _("조문"))], required=False
    )
    kind = forms.ChoiceField(label=_("법령구분"), choices=[("", _("전체")), *StatuteKind.choices], required=False)
    sector = forms.ChoiceField(label=_("분야"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sector"].choices = _sector_choices()  # type: ignore[attr-defined]

    def clean_q(self) -> str:
        return normalize_text(self.cleaned_data.get("q") or "")

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or "statutes"


class AdvisorForm(forms.Form):
    """The sandbox questionnaire. Every answer has a default, so a barrier page can link here with
    only ``description`` and ``sector`` and get a first recommendation."""

    rule_exists = forms.ChoiceField(
        label=_("사업을 막는 법령 규정이 있나요?"),
        choices=[("unknown", _("모르겠다")), ("yes", _("있다")), ("no", _("없는 것 같다"))],
        widget=forms.RadioSelect,
        required=False,
        initial="unknown",
    )
    rule_effect = forms.ChoiceField(
        label=_("규정이 어떻게 막나요?"),
        choices=[
            ("", _("잘 모르겠다")),
            ("forbids", _("다른 법령 때문에 허가 신청 자체가 불가능하다(금지)")),
            ("no_standard", _("허가 기준·규격·요건이 없다")),
            ("unclear", _("기준이 있지만 맞지 않거나 불명확하다")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    limited_test = forms.ChoiceField(
        label=_("무엇을 하려 하나요?"),
        choices=[("1", _("기간·장소·규모를 제한한 시험(실증)")), ("0", _("바로 시장에 출시"))],
        widget=forms.RadioSelect,
        required=False,
        initial="1",
    )
    service_kind = forms.ChoiceField(
        label=_("서비스의 성격"),
        choices=[
            ("", _("선택 안 함")),
            ("finance", _("금융 서비스")),
            ("ict", _("정보통신·데이터·AI 서비스")),
            ("product", _("제품·기기(하드웨어)")),
            ("mobility", _("모빌리티·운송")),
            ("city", _("도시 서비스")),
        ],
        required=False,
    )
    sector = forms.ChoiceField(label=_("분야"), required=False)
    zone = forms.ChoiceField(
        label=_("특구 안에서 하나요?"),
        choices=[
            ("", _("해당 없음")),
            ("regional", _("규제자유특구")),
            ("smartcity", _("스마트규제혁신지구")),
            ("rnd_zone", _("연구개발특구")),
        ],
        required=False,
    )
    in_capital_region = forms.ChoiceField(
        label=_("사업장 위치"), choices=[("1", _("서울·수도권")), ("0", _("비수도권"))], initial="1", required=False
    )
    description = forms.CharField(
        label=_("제품·서비스 설명"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sector"].choices = _sector_choices()  # type: ignore[attr-defined]

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            rule_exists=data.get("rule_exists") or "unknown",
            rule_effect=data.get("rule_effect") or "",
            limited_test=data.get("limited_test", "1") != "0",
            service_kind=data.get("service_kind") or "",
            sector=data.get("sector") or "",
            zone=data.get("zone") or "",
            in_capital_region=data.get("in_capital_region", "1") != "0",
            description=normalize_text(data.get("description") or ""),
        )
