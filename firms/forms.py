"""Forms only parse input; rules live in firms.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import KrdsForm
from firms.models import Cluster, KsicCode, Sector, SeoulDistrict, SizeClass


class FirmFieldsForm(KrdsForm):
    """The firm facts asked at sign-up and on the profile page."""

    sectors = forms.ModelMultipleChoiceField(
        label=_("산업 분야"), queryset=Sector.objects.all(), to_field_name="code", widget=forms.CheckboxSelectMultiple
    )
    size_class = forms.ChoiceField(label=_("기업 규모"), choices=SizeClass.choices)
    founded_on = forms.DateField(
        label=_("설립일"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("예비창업이면 비워 두세요."),
    )
    district = forms.ChoiceField(label=_("소재 자치구"), choices=[("", "—"), *SeoulDistrict.choices], required=False)


class FirmProfileForm(FirmFieldsForm):
    field_order = ["name", "sectors", "size_class", "founded_on", "district", "cluster", "ksic"]

    name = forms.CharField(label=_("기업명"), max_length=200)
    cluster = forms.ModelChoiceField(
        label=_("클러스터"), queryset=Cluster.objects.filter(is_active=True), required=False
    )
    ksic = forms.ModelChoiceField(
        label=_("주 업종(KSIC 세세분류)"),
        queryset=KsicCode.objects.filter(level=5),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}),
        help_text=_("다섯 자리 코드, 예: 58222 (응용 소프트웨어 개발 및 공급업)"),
    )
