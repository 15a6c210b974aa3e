"""Forms only parse input; rules live in accounts.services and firms.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Role
from agencies.models import Agency
from core.forms import KrdsForm
from firms.forms import FirmFieldsForm
from firms.models import Association, Firm


class SignInForm(KrdsForm):
    email = forms.CharField(label=_("이메일"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("비밀번호"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignUpForm(FirmFieldsForm):
    name = forms.CharField(label=_("이름"), max_length=60)
    email = forms.CharField(label=_("이메일"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("비밀번호"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("10자 이상, 흔한 비밀번호나 숫자만으로 된 비밀번호는 쓸 수 없습니다."),
    )
    firm_name = forms.CharField(label=_("기업명"), max_length=200)
    business_registration_number = forms.CharField(
        label=_("사업자등록번호"),
        max_length=40,
        help_text=_("예: 123-45-67890"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    preferred_language = forms.ChoiceField(label=_("사용 언어"), choices=Language.choices, initial=Language.KOREAN)


class InvitationForm(KrdsForm):
    email = forms.CharField(label=_("초대할 이메일"), max_length=254, widget=forms.EmailInput())
    role = forms.ChoiceField(label=_("역할"), choices=Role.choices)
    firm = forms.ModelChoiceField(label=_("기업"), queryset=Firm.objects.none(), required=False)
    association = forms.ModelChoiceField(label=_("협회"), queryset=Association.objects.none(), required=False)
    agency = forms.ModelChoiceField(label=_("소관기관"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args: Any, firms: Any, associations: Any, agencies: Any, roles: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        role_field: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role_field.choices = [(value, label) for value, label in Role.choices if value in roles]
        self.fields["firm"].queryset = firms  # type: ignore[attr-defined]
        self.fields["association"].queryset = associations  # type: ignore[attr-defined]
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class AcceptInvitationForm(KrdsForm):
    name = forms.CharField(label=_("이름"), max_length=60)
    password = forms.CharField(
        label=_("비밀번호"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TwoFactorCodeForm(KrdsForm):
    code = forms.CharField(
        label=_("인증 번호"),
        max_length=12,
        help_text=_("인증 앱(Google Authenticator 등)에 표시된 6자리 숫자. 휴대전화를 쓸 수 없으면 백업 코드"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ApiTokenForm(KrdsForm):
    name = forms.CharField(
        label=_("토큰 이름"), max_length=60, help_text=_("어디에 쓰는 토큰인지 알아볼 수 있는 이름 (예: 사내 연동)")
    )
