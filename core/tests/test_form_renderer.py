"""The Python widget renderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.form_renderer import FastWidgetRenderer

TRICKY = "a<b>&\"c'd"


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="hint")
    email = forms.EmailField(required=False)
    number = forms.IntegerField(min_value=0, required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": TRICKY}))
    agree = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=[("", _("전체")), ("a", "A"), (TRICKY, TRICKY), ("3", 3)], required=False)
    year = forms.TypedChoiceField(choices=[(2026, "2026"), (2025, 2025)], coerce=int, required=False)
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("그룹 <1>", [("x", "X"), ("y", "Y")]), ("z", mark_safe("<b>Z</b>"))], required=False
    )
    many = forms.MultipleChoiceField(choices=[("1", "하나"), ("2", "둘")], required=False)
    upload = forms.FileField(required=False)
    flags = forms.MultipleChoiceField(
        choices=[("p", "P"), ("q", "Q")], widget=forms.CheckboxSelectMultiple, required=False
    )
    radio = forms.ChoiceField(choices=[("r", "R"), ("s", "S")], widget=forms.RadioSelect, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["text"].widget.attrs.update({"disabled": True, "readonly": False, "data-v": mark_safe("<i>")})


BOUND = {
    "text": TRICKY,
    "email": "x@example.com",
    "number": "12",
    "url": "https://example.com/?a=1&b=2",
    "password": TRICKY,
    "hidden": "h",
    "day": "2026-02-30",
    "moment": "2026-01-02 03:04",
    "body": f"첫 줄\n{TRICKY}",
    "agree": "on",
    "choice": TRICKY,
    "year": "2025",
    "grouped": "y",
    "many": ["1", "2"],
    "flags": ["q"],
    "radio": "s",
}
INITIAL = {"moment": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), "day": dt.date(2026, 3, 1), "number": 1234567}


@pytest.mark.parametrize(
    "make",
    [
        lambda r: Everything(renderer=r),
        lambda r: Everything(BOUND, renderer=r),
        lambda r: Everything(initial=INITIAL, renderer=r),
    ],
    ids=["unbound", "bound", "initial"],
)
def test_every_widget_renders_as_the_django_templates_do(make: object) -> None:
    fast, django = make(FastWidgetRenderer()), make(DjangoTemplates())  # type: ignore[operator]
    for name in django.fields:
        assert str(fast[name]) == str(django[name]), name
    assert str(fast) == str(django)  # the form's own template still comes from Django


def test_production_renderer_is_the_fast_one() -> None:
    assert isinstance(get_default_renderer(), FastWidgetRenderer)


def test_register_filter_bar_is_unchanged(db: object) -> None:
    from register.forms import RegisterFilterForm

    for data in (None, {"q": "<script>", "sector": "robots", "overdue": "on", "sort": "due", "year": "x"}):
        fast, django = (
            RegisterFilterForm(data, renderer=FastWidgetRenderer()),
            RegisterFilterForm(data, renderer=DjangoTemplates()),
        )
        assert [str(f) for f in fast] == [str(f) for f in django]
