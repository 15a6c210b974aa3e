"""Forms only parse input; the rules (required answers, ranges, one response) live in services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.forms import KrdsForm
from surveys.models import TEXT_ANSWER_MAX, Question, QuestionKind

SCALE_LABELS = (
    ("1", _("1 전혀 아니다")),
    ("2", _("2 아니다")),
    ("3", _("3 보통")),
    ("4", _("4 그렇다")),
    ("5", _("5 매우 그렇다")),
)
YES_NO = (("yes", _("예")), ("no", _("아니오")))


def _text_of(question: Question) -> str:
    english = translation.get_language() == "en"
    return question.text_en if english and question.text_en else question.text


def _choices_of(question: Question) -> list[tuple[str, str]]:
    english = translation.get_language() == "en"
    return [(c["value"], c.get("label_en") if english and c.get("label_en") else c["label"]) for c in question.choices]


class SurveyResponseForm(KrdsForm):
    """One field per question, named by its code. Fields are optional here: the service decides."""

    def __init__(self, *args: Any, questions: Iterable[Question], **kwargs: Any) -> None:
        self.questions = list(questions)
        super().__init__(*args, **kwargs)
        for question in self.questions:
            label = _text_of(question)
            field: forms.Field
            if question.kind == QuestionKind.TEXT:
                field = forms.CharField(
                    label=label, max_length=TEXT_ANSWER_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
                )
                field.widget.attrs["class"] = "krds-input"
            else:
                choices = {
                    QuestionKind.SCALE: SCALE_LABELS,
                    QuestionKind.YES_NO: YES_NO,
                    QuestionKind.CHOICE: _choices_of(question),
                }[QuestionKind(question.kind)]
                field = forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)
            field.question = question  # type: ignore[union-attr]
            self.fields[question.code] = field

    def answers(self) -> dict[str, object]:
        return {code: value for code, value in self.cleaned_data.items() if value not in (None, "")}


class PerceptionSurveyForm(KrdsForm):
    title = forms.CharField(label=_("제목"), max_length=200, initial=_("규제혁신 체감도 조사"))
    period = forms.CharField(label=_("조사 기간 이름"), max_length=40, required=False, help_text=_("예: 2026년 상반기"))
    opens_on = forms.DateField(label=_("시작일"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("마감일"), widget=forms.DateInput(attrs={"type": "date"}))
