"""Accounts API: who am I, and firm sign-up for API clients."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from accounts import services
from accounts.models import Language, User
from accounts.roles import roles_of
from firms.models import SizeClass

router = Router(tags=["accounts"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class MeOut(Schema):
    email: str
    name: str
    preferred_language: str
    email_confirmed: bool
    roles: list[str]
    firm_ids: list[int]
    association_ids: list[int]
    agency_ids: list[int]


class SignUpIn(Schema):
    email: str = Field(max_length=254)
    name: str = Field(max_length=60)
    password: str = Field(max_length=256)
    firm_name: str = Field(max_length=200)
    business_registration_number: str = Field(max_length=40)
    sector_codes: list[str] = Field(min_length=1, max_length=6)
    size_class: SizeClass = SizeClass.SMALL
    founded_on: dt.date | None = None
    preferred_language: Language = Language.KOREAN


class SignUpOut(Schema):
    id: int
    email: str


def _me(user: User) -> MeOut:
    roles = roles_of(user)
    return MeOut(
        email=user.email,
        name=user.name,
        preferred_language=user.preferred_language,
        email_confirmed=user.email_confirmed,
        roles=sorted(roles.held),
        firm_ids=sorted(roles.firm_ids),
        association_ids=sorted(roles.association_ids),
        agency_ids=sorted(roles.agency_ids),
    )


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=django_auth, summary="내 계정과 역할")
def me(request: HttpRequest) -> MeOut:
    return _me(request.user)  # type: ignore[arg-type]


@router.post(
    "/sign-up",
    response={201: SignUpOut, 400: ErrorOut, 409: ErrorOut},
    summary="기업 회원 가입",
    description="가입하면 확인 메일이 갑니다. 메일의 링크를 열어 이메일을 확인해야 규제 애로를 등록할 수 있습니다.",
)
def sign_up(request: HttpRequest, payload: SignUpIn) -> Status[User]:
    user = services.sign_up_firm_member(
        email=payload.email,
        name=payload.name,
        password=payload.password,
        firm_name=payload.firm_name,
        business_registration_number=payload.business_registration_number,
        sector_codes=payload.sector_codes,
        size_class=payload.size_class,
        founded_on=payload.founded_on,
        preferred_language=payload.preferred_language,
        confirmation_link_base=request.build_absolute_uri("/")[:-1],
    )
    return Status(201, user)
