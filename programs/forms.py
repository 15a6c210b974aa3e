"""Forms for the programs pages (parsing only: the rules live in services and bookings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import KrdsForm
from firms.models import Firm, Sector
from firms.stages import GrowthStage
from programs.models import ApplicationStatus, ProgramKind


class ProgramFilterForm(KrdsForm):
    q = forms.CharField(label=_("검색어"), max_length=100, required=False)
    sector = forms.ChoiceField(label=_("분야"), required=False)
    kind = forms.ChoiceField(label=_("지원 유형"), required=False, choices=[("", _("전체")), *ProgramKind.choices])
    stage = forms.ChoiceField(label=_("성장단계"), required=False, choices=[("", _("전체")), *GrowthStage.choices])
    status = forms.ChoiceField(
        label=_("접수 상태"),
        required=False,
        choices=[("", _("전체")), ("open", _("접수 중")), ("closing", _("마감 임박")), ("closed", _("마감"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sector = self.fields["sector"]
        assert isinstance(sector, forms.ChoiceField)
        sector.choices = [("", _("전체")), *Sector.objects.values_list("code", "name")]


class FirmChoiceMixin:
    """A firm select limited to the firms the user acts for."""

    def limit_firms(self, firm_ids: frozenset[int]) -> None:
        field = self.fields["firm"]  # type: ignore[attr-defined]
        field.queryset = Firm.objects.filter(pk__in=firm_ids).order_by("name")
        if len(firm_ids) == 1:
            field.initial = next(iter(firm_ids))


class ApplyForm(FirmChoiceMixin, KrdsForm):
    firm = forms.ModelChoiceField(label=_("신청 기업"), queryset=Firm.objects.none())
    made_elsewhere = forms.BooleanField(
        label=_("다른 곳에서 이미 신청함"), required=False, help_text=_("공고 기관에 직접 신청한 경우 기록만 남깁니다.")
    )
    applied_on = forms.DateField(
        label=_("신청일"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("다른 곳에서 신청한 경우"),
    )
    note = forms.CharField(label=_("메모"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(KrdsForm):
    status = forms.ChoiceField(
        label=_("처리"),
        choices=[
            (s.value, s.label)
            for s in (ApplicationStatus.SELECTED, ApplicationStatus.NOT_SELECTED, ApplicationStatus.COMPLETED)
        ],
    )
    note = forms.CharField(label=_("의견"), required=False, max_length=2000)


class NoteForm(KrdsForm):
    note = forms.CharField(label=_("사유·의견"), required=False, max_length=2000)


class BookingForm(FirmChoiceMixin, KrdsForm):
    firm = forms.ModelChoiceField(label=_("예약 기업"), queryset=Firm.objects.none())
    day = forms.DateField(label=_("날짜"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("시작 시각"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("종료 시각"), widget=forms.TimeInput(attrs={"type": "time"}))
    participants = forms.IntegerField(label=_("인원·대수"), min_value=1, max_value=10_000, initial=1)
    purpose = forms.CharField(label=_("실증 내용"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def range(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(data["day"], data["start"], tzinfo=tz)
        end_day = data["day"] + dt.timedelta(days=1) if data["end"] == dt.time(0) else data["day"]
        return start, dt.datetime.combine(end_day, data["end"], tzinfo=tz)


class ImportForm(KrdsForm):
    file = forms.FileField(
        label=_("CSV 또는 XLSX 파일"),
        help_text=_("양식의 머리글을 그대로 두세요. UTF-8 또는 CP949(EUC-KR) CSV, 매크로 없는 XLSX (최대 5MB)."),
    )
