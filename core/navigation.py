"""The main menu: which sections each role sees.

Items whose page does not exist yet (its app has not defined the URL) are simply left out, so
an app adds its section to the menu by naming its URL here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

EVERYONE = "everyone"
SIGNED_IN = "signed_in"
OFFICIALS = "officials"


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    audience: str | frozenset[str] = EVERYONE


MAIN_MENU: tuple[NavItem, ...] = (
    NavItem("barriers:list", _("규제 애로"), SIGNED_IN),
    NavItem("register:index", _("공개 처리 현황")),
    NavItem("regulations:search", _("법령·샌드박스")),
    NavItem("programs:list", _("지원사업·실증")),
    NavItem("insights:dashboard", _("성과 지표")),
    NavItem("agencies:list", _("소관기관")),
    NavItem("bulk_filing:index", _("일괄 접수"), frozenset({Role.CITY_OFFICIAL, Role.ASSOCIATION_STAFF, Role.ADMIN})),
    NavItem("barriers:associations", _("회원사 처리 현황"), frozenset({Role.ASSOCIATION_STAFF})),
    NavItem("barriers:cosign_flags", _("공동 서명 점검"), frozenset({Role.CITY_OFFICIAL, Role.ADMIN})),
    NavItem("insights:reports", _("월간 보고서"), frozenset({Role.CITY_OFFICIAL, Role.AGENCY_OFFICIAL, Role.ADMIN})),
    NavItem("programs:uptake", _("지원사업 성과"), frozenset({Role.CITY_OFFICIAL, Role.ADMIN})),
    NavItem("surveys:mine", _("만족도 조사"), frozenset({Role.FIRM_MEMBER})),
    NavItem("surveys:manage", _("설문 관리"), frozenset({Role.CITY_OFFICIAL, Role.ADMIN})),
    NavItem(
        "accounts:invite",
        _("초대"),
        frozenset({Role.CITY_OFFICIAL, Role.ADMIN, Role.FIRM_MEMBER, Role.ASSOCIATION_STAFF}),
    ),
    NavItem("admin:index", _("관리"), frozenset({Role.ADMIN})),
)


def cached_reverse(name: str, *args: str | int) -> str | None:
    """``reverse(name, args=args)``, or None when there is no such URL, remembered per process.

    Every page's header and menu name a dozen URLs; reversing them each time was a tenth of a
    simple page's CPU time. The answer only depends on the URL configuration and the script
    prefix, which are part of the key (tests that swap the URL configuration get their own)."""
    return _reverse(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), name, args)


@functools.lru_cache(maxsize=1024)
def _reverse(root_urlconf: str, urlconf: str | None, prefix: str, name: str, args: tuple[str | int, ...]) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
