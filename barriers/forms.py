"""Page forms. They parse and bound input; the business rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from barriers.models import (
    BODY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AnswerOutcome,
    DeclineReason,
    OutcomeStage,
    Privacy,
    RequestKind,
)
from barriers.services import ExtensionReason
from core.forms import KrdsForm
from firms.models import Firm, Sector


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "krds-input"})


class BarrierForm(KrdsForm):
    firm = forms.ModelChoiceField(label=_("기업"), queryset=Firm.objects.none(), empty_label=None)
    title = forms.CharField(label=_("제목"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("애로 내용"),
        max_length=BODY_MAX,
        widget=_textarea(10),
        help_text=_("무엇을 하려는데 어떤 규제가 막는지 구체적으로 적어 주세요. (최대 20,000자)"),
    )
    sectors = forms.MultipleChoiceField(label=_("분야"), widget=forms.CheckboxSelectMultiple)
    kind = forms.ChoiceField(label=_("민원 종류"), choices=RequestKind.choices, initial=RequestKind.PROPOSAL)
    statutes_named = forms.CharField(
        label=_("관련 법령"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(2),
        help_text=_("알고 있는 법령·조항을 적어 주세요. 예: 도로교통법 제13조의2"),
    )
    desired_change = forms.CharField(
        label=_("개선 요청 사항"), max_length=TEXT_MAX, required=False, widget=_textarea(3)
    )
    harm_cost_won = forms.IntegerField(label=_("추정 비용(원)"), min_value=0, max_value=10**15, required=False)
    harm_delay_months = forms.IntegerField(label=_("사업 지연(개월)"), min_value=0, max_value=600, required=False)
    harm_lost_market = forms.CharField(
        label=_("잃은 시장·기회"), max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )
    privacy = forms.ChoiceField(
        label=_("공개 범위"), choices=Privacy.choices, initial=Privacy.PUBLIC_ANONYMOUS, widget=forms.RadioSelect
    )
    seal_from_agency = forms.BooleanField(
        label=_("소관기관에 우리 기업 정보를 알리지 않습니다"),
        required=False,
        help_text=_("서울시는 기업을 알 수 있지만, 소관기관에는 기업명·작성자·첨부 파일 이름이 보이지 않습니다."),
    )

    def __init__(self, *args: Any, firms: Any = None, partial: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms if firms is not None else Firm.objects.none()  # type: ignore[attr-defined]
        self.fields["sectors"].choices = [(s.code, s.name) for s in Sector.objects.all()]  # type: ignore[attr-defined]
        if partial:  # autosave and preview accept half-written drafts
            for name, field in self.fields.items():
                if name != "firm":
                    field.required = False

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("firm", None)
        data["sector_codes"] = data.pop("sectors", [])
        for choice in ("kind", "privacy"):  # left empty in a half-written draft: keep the default
            if not data.get(choice):
                data.pop(choice, None)
        return data


class TriageForm(KrdsForm):
    kind = forms.ChoiceField(label=_("민원 종류"), choices=RequestKind.choices)
    lead_agency = forms.ModelChoiceField(label=_("소관기관"), queryset=Agency.objects.filter(is_active=True))
    cooperating_agencies = forms.ModelMultipleChoiceField(
        label=_("협조 기관"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    note = forms.CharField(label=_("메모"), max_length=TEXT_MAX, required=False, widget=_textarea(2))


class ForwardForm(KrdsForm):
    agency = forms.ModelChoiceField(
        label=_("전달할 기관"),
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        help_text=_("비워 두면 분류할 때 정한 소관기관에 전달합니다."),
    )
    note = forms.CharField(label=_("전달 메모"), max_length=TEXT_MAX, required=False, widget=_textarea(2))


class TransferForm(KrdsForm):
    agency = forms.ModelChoiceField(label=_("이송할 기관"), queryset=Agency.objects.filter(is_active=True))
    reason = forms.CharField(label=_("이송 사유"), max_length=TEXT_MAX, widget=_textarea(2))


class InformationRequestForm(KrdsForm):
    questions = forms.CharField(label=_("요청 사항"), max_length=TEXT_MAX, widget=_textarea(3))


class InformationForm(KrdsForm):
    response = forms.CharField(label=_("보완 내용"), max_length=BODY_MAX, widget=_textarea(5))


class AnswerForm(KrdsForm):
    outcome = forms.ChoiceField(label=_("검토 결과"), choices=AnswerOutcome.choices)
    body = forms.CharField(label=_("회신 내용"), max_length=BODY_MAX, widget=_textarea(6))
    reason_code = forms.ChoiceField(
        label=_("수용곤란 사유"), choices=[("", "—"), *DeclineReason.choices], required=False
    )
    legal_basis = forms.CharField(label=_("법적 근거"), max_length=TEXT_MAX, required=False, widget=_textarea(2))
    plan_change = forms.CharField(label=_("개선 내용"), max_length=TEXT_MAX, required=False, widget=_textarea(2))
    plan_statute = forms.CharField(label=_("개정 대상 법령"), max_length=300, required=False)
    plan_due_on = forms.DateField(
        label=_("개선 완료 예정일"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReactionForm(KrdsForm):
    satisfied = forms.TypedChoiceField(
        label=_("회신에 대한 의견"),
        choices=[("yes", _("회신을 받아들이고 종결합니다")), ("no", _("재검토를 요청합니다(한 번)"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(label=_("재검토 요청 사유"), max_length=TEXT_MAX, required=False, widget=_textarea(3))


class ConfirmForm(KrdsForm):
    """An action without fields (the version travels as a hidden input)."""


class RequiredNoteForm(KrdsForm):
    note = forms.CharField(label=_("사유"), max_length=TEXT_MAX, widget=_textarea(2))


class WithdrawForm(KrdsForm):
    reason = forms.CharField(label=_("취하 사유"), max_length=TEXT_MAX, required=False, widget=_textarea(2))


class ExtensionForm(KrdsForm):
    reason_code = forms.ChoiceField(label=_("연장 사유"), choices=list(ExtensionReason.LABELS.items()))
    reason = forms.CharField(label=_("구체적인 사유"), max_length=TEXT_MAX, widget=_textarea(2))
    filer_consented = forms.BooleanField(label=_("신청인이 두 번째 연장에 동의했습니다"), required=False)


class MilestoneForm(KrdsForm):
    stage = forms.ChoiceField(label=_("단계"), choices=OutcomeStage.choices)
    happened_on = forms.DateField(label=_("일자"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("내용"), max_length=TEXT_MAX, required=False, widget=_textarea(2))


class InternalNoteForm(KrdsForm):
    body = forms.CharField(label=_("내부 메모"), max_length=TEXT_MAX, widget=_textarea(2))


class AttachmentForm(KrdsForm):
    file = forms.FileField(
        label=_("파일"), help_text=_("PDF, 한글(HWP·HWPX), 워드(DOCX), 엑셀(XLSX), PNG, JPEG · 20MB 이하")
    )


class QueueFilterForm(KrdsForm):
    sector = forms.ChoiceField(label=_("분야"), required=False)
    agency = forms.ModelChoiceField(
        label=_("소관기관"), queryset=Agency.objects.filter(is_active=True), required=False, empty_label=_("전체")
    )
    status = forms.ChoiceField(label=_("상태"), required=False)
    overdue = forms.BooleanField(label=_("기한 경과만"), required=False)
    mine = forms.BooleanField(label=_("내 담당만"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from barriers.models import BarrierStatus
        from barriers.transitions import OPEN

        sectors = [("", _("전체")), *((s.code, s.name) for s in Sector.objects.all())]
        statuses = [("", _("전체")), *((s.value, s.label) for s in BarrierStatus if s in OPEN)]
        self.fields["sector"].choices = sectors  # type: ignore[attr-defined]
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]
