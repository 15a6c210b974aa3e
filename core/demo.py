"""Demo data for a laptop or a training session: a handful of firms, associations and one account per role.

Idempotent: running it again finds what exists by e-mail, name or 사업자등록번호 and adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Membership, Role, User
from agencies.models import Agency
from firms.brn import check_digit
from firms.models import Association, AssociationMembership, Cluster, Firm, Sector, SizeClass

DEMO_PASSWORD = "haechi-demo-2026"


def demo_brn(prefix: str) -> str:
    """A ten-digit BRN with a correct check digit for a nine-digit prefix."""
    return prefix + str(check_digit(prefix))


@dataclass(frozen=True)
class DemoFirm:
    name: str
    brn_prefix: str
    sectors: tuple[str, ...]
    size: str
    founded: dt.date | None
    cluster: str
    district: str
    associations: tuple[str, ...]


ASSOCIATIONS = (
    ("한국핀테크산업협회", 2016, ("fintech",)),
    ("한국자율주행산업협회", 2021, ("mobility",)),
    ("한국로봇산업협회", 1999, ("robots",)),
    ("한국인공지능협회", 2017, ("ai",)),
)

FIRMS = (
    DemoFirm(
        "페이브릿지",
        "220812345",
        ("fintech",),
        SizeClass.SMALL,
        dt.date(2023, 3, 2),
        "yeouido",
        "yeongdeungpo",
        ("한국핀테크산업협회",),
    ),
    DemoFirm(
        "서울로보틱스랩",
        "211873456",
        ("robots", "ai"),
        SizeClass.SMALL,
        dt.date(2019, 7, 15),
        "yangjae-suseo",
        "seocho",
        ("한국로봇산업협회",),
    ),
    DemoFirm(
        "오토웨이브",
        "114865432",
        ("mobility",),
        SizeClass.MEDIUM,
        dt.date(2016, 1, 11),
        "sangam",
        "mapo",
        ("한국자율주행산업협회",),
    ),
    DemoFirm(
        "메디링크",
        "101862233",
        ("biohealth", "ai"),
        SizeClass.SMALL,
        dt.date(2024, 9, 1),
        "hongneung",
        "dongdaemun",
        (),
    ),
    DemoFirm(
        "딥포용",
        "120874411",
        ("ai",),
        SizeClass.MEDIUM,
        dt.date(2014, 5, 20),
        "g-valley",
        "guro",
        ("한국인공지능협회",),
    ),
    DemoFirm(
        "핀다움",
        "105817788",
        ("fintech", "ai"),
        SizeClass.MIDDLE,
        dt.date(2012, 11, 5),
        "yeouido",
        "yeongdeungpo",
        ("한국핀테크산업협회", "한국인공지능협회"),
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    organisation: str = ""


ACCOUNTS = (
    DemoAccount("firm@haechi.example", "김핀테", Role.FIRM_MEMBER, "페이브릿지"),
    DemoAccount("robot@haechi.example", "이로봇", Role.FIRM_MEMBER, "서울로보틱스랩"),
    DemoAccount("association@haechi.example", "박협회", Role.ASSOCIATION_STAFF, "한국핀테크산업협회"),
    DemoAccount("city@haechi.example", "최서울", Role.CITY_OFFICIAL),
    DemoAccount("agency@haechi.example", "정금융", Role.AGENCY_OFFICIAL, "금융위원회"),
    DemoAccount("admin@haechi.example", "관리자", Role.ADMIN),
)


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create the demo organisations and accounts that do not exist yet; return the accounts."""
    associations = {}
    for name, year, sector_codes in ASSOCIATIONS:
        association, created = Association.objects.get_or_create(name=name, defaults={"founded_year": year})
        if created:
            association.sectors.set(Sector.objects.filter(code__in=sector_codes))
        associations[name] = association
    clusters = {c.slug: c for c in Cluster.objects.all()}
    firms = {}
    for spec in FIRMS:
        firm, created = Firm.objects.get_or_create(
            business_registration_number=demo_brn(spec.brn_prefix),
            defaults={
                "name": spec.name,
                "size_class": spec.size,
                "founded_on": spec.founded,
                "cluster": clusters.get(spec.cluster),
                "district": spec.district,
            },
        )
        if created:
            firm.sectors.set(Sector.objects.filter(code__in=spec.sectors))
        for association_name in spec.associations:
            AssociationMembership.objects.get_or_create(
                firm=firm, association=associations[association_name], defaults={"joined_on": dt.date(2024, 1, 2)}
            )
        firms[spec.name] = firm
    for account in ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            admin = account.role == Role.ADMIN
            user = User.objects.create_user(
                account.email, DEMO_PASSWORD, name=account.name, is_staff=admin, is_superuser=admin
            )
        Membership.objects.get_or_create(
            user=user,
            role=account.role,
            firm=firms.get(account.organisation) if account.role == Role.FIRM_MEMBER else None,
            association=associations.get(account.organisation) if account.role == Role.ASSOCIATION_STAFF else None,
            agency=Agency.objects.get(name=account.organisation) if account.role == Role.AGENCY_OFFICIAL else None,
        )
    from programs.demo import load_demo_programs  # programs builds on firms and clusters loaded above

    load_demo_programs()
    from barriers.demo import load_demo_barriers  # barriers are filed by the accounts created above

    load_demo_barriers()
    return list(ACCOUNTS)
