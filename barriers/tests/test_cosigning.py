"""Co-signing: counted per distinct firm (by 사업자등록번호), refusals, who sees whom, abuse flags,
and the API's answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.testing import signed_in_client
from accounts.tests.factories import MembershipFactory
from barriers import selectors, selectors_cosigning
from barriers.models import BarrierEvent, CoSignature, CoSignFlag, CoSignFlagReason, EventKind, Privacy
from barriers.services import cosigning
from barriers.tests.factories import barrier_in
from core.errors import Conflict, NotFound, NotPermitted
from firms.services import register_firm
from firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db


def member_of(firm):
    return MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user


def test_two_users_of_one_firm_count_once(submitted, other_firm, other_firm_member):
    colleague = member_of(other_firm)
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=other_firm_member, firm=other_firm)
    with pytest.raises(Conflict) as refused:
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=colleague, firm=other_firm)
    assert refused.value.code == "already_cosigned"
    assert "이미 공동 서명" in str(refused.value.message)
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 2
    assert CoSignature.objects.filter(barrier=submitted).count() == 1


def test_count_is_one_plus_distinct_firms_and_drops_on_withdrawal(submitted, sectors):
    firms = [FirmFactory() for _ in range(3)]
    users = [member_of(f) for f in firms]
    for user, firm in zip(users, firms, strict=True):
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=user, firm=firm, account=f"{firm.name}의 사정")
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 4
    cosigning.withdraw_cosignature(barrier_id=submitted.pk, actor=users[1])
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 3
    # Withdrawn rows stay for the audit; the firm may sign again later and counts once again.
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=users[1], firm=firms[1])
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 4
    assert CoSignature.objects.filter(barrier=submitted, firm=firms[1]).count() == 2


def test_database_refuses_a_second_active_cosignature_per_brn(submitted, other_firm, other_firm_member):
    cosignature = cosigning.cosign_barrier(barrier_id=submitted.pk, actor=other_firm_member, firm=other_firm)
    # The same normalised BRN under another firm row (impossible through the services) still fails.
    with pytest.raises(IntegrityError), transaction.atomic():
        CoSignature.objects.create(
            barrier=submitted,
            firm=FirmFactory(),
            firm_brn=cosignature.firm_brn,
            created_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CoSignature.objects.create(barrier=submitted, firm=other_firm, firm_brn="0000000000", created_at=timezone.now())


def test_two_firms_cannot_share_a_normalised_brn(other_firm, sectors):
    """Counting by firm is counting by 사업자등록번호: however it is typed, one number, one firm."""
    digits = other_firm.business_registration_number
    typed = f"{digits[:3]}－{digits[3:5]}-{digits[5:]}"  # a full-width hyphen, as pasted from a document
    with pytest.raises(Conflict) as refused:
        register_firm(name="다른이름", business_registration_number=typed, sector_codes=["fintech"])
    assert refused.value.code == "duplicate_brn"
    with pytest.raises(IntegrityError), transaction.atomic():
        FirmFactory(business_registration_number=digits)


def test_own_barrier_is_refused(submitted, firm, firm_member, second_firm_member):
    for user in (firm_member, second_firm_member):
        with pytest.raises(Conflict) as refused:
            cosigning.cosign_barrier(barrier_id=submitted.pk, actor=user, firm=firm)
        assert refused.value.code == "own_barrier"
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 1


def test_only_members_sign_for_a_firm(submitted, other_firm, outsider, firm_member):
    with pytest.raises(NotPermitted):
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=outsider, firm=other_firm)
    with pytest.raises(NotPermitted):
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=firm_member, firm=other_firm)


@pytest.mark.parametrize(
    ("status", "privacy", "error"),
    [
        ("draft", Privacy.PUBLIC_ANONYMOUS, NotFound),
        ("submitted", Privacy.PRIVATE, NotFound),
        ("withdrawn", Privacy.PUBLIC_NAMED, Conflict),
    ],
)
def test_not_cosignable_barriers(firm, other_firm, other_firm_member, status, privacy, error):
    barrier = barrier_in(status, firm=firm, privacy=privacy)
    with pytest.raises(error):
        cosigning.cosign_barrier(barrier_id=barrier.pk, actor=other_firm_member, firm=other_firm)
    assert not CoSignature.objects.exists()


def test_cosigning_writes_audit_events_but_no_timeline_entry(submitted, other_firm, other_firm_member, firm_member):
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=other_firm_member, firm=other_firm)
    cosigning.withdraw_cosignature(barrier_id=submitted.pk, actor=other_firm_member)
    kinds = list(BarrierEvent.objects.filter(barrier=submitted).values_list("kind", "verb"))
    assert (EventKind.COSIGNED, "cosign") in kinds
    assert (EventKind.COSIGN_WITHDRAWN, "withdraw_cosignature") in kinds
    # The timeline would name the co-signer with the filer's firm: co-signers have their panel.
    titles = [e.title for e in selectors.barrier_timeline(submitted, firm_member)]
    assert "cosign" not in titles and "withdraw_cosignature" not in titles


def test_filer_sees_only_cosigners_who_allowed_it(submitted, firm_member, city_official, sectors):
    shown, hidden = FirmFactory(name="보이는기업"), FirmFactory(name="숨은기업")
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(shown), firm=shown, show_to_filer=True)
    hider = member_of(hidden)
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=hider, firm=hidden, account="우리도 같은 문제를 겪습니다")
    for_filer = selectors_cosigning.visible_cosignatures(submitted, firm_member)
    assert [c.firm.name for c in for_filer.named] == ["보이는기업"]
    assert for_filer.hidden == 1 and for_filer.count == 2
    for_city = selectors_cosigning.visible_cosignatures(submitted, city_official)
    assert {c.firm.name for c in for_city.named} == {"보이는기업", "숨은기업"}
    for_hider = selectors_cosigning.visible_cosignatures(submitted, hider)
    assert [c.firm.name for c in for_hider.named] == ["숨은기업"] and for_hider.mine == for_hider.named
    # The filer's page shows the count and the allowed name only.
    page = signed_in_client(firm_member).get(reverse("barriers:detail", args=[submitted.pk])).content.decode()
    assert "보이는기업" in page and "숨은기업" not in page and "같은 애로를 겪는 기업 3곳" in page


def test_agency_sees_the_count_not_the_cosigners(forwarded, agency_official, other_firm, other_firm_member):
    cosigning.cosign_barrier(barrier_id=forwarded.pk, actor=other_firm_member, firm=other_firm, show_to_filer=True)
    view = selectors_cosigning.visible_cosignatures(forwarded, agency_official)
    assert view.count == 1 and view.named == [] and view.hidden == 1
    page = signed_in_client(agency_official).get(reverse("barriers:detail", args=[forwarded.pk])).content.decode()
    assert other_firm.name not in page and "같은 애로를 겪는 기업 2곳" in page


# -- abuse flags ---------------------------------------------------------------------------------------


def test_one_account_behind_several_signing_firms_is_flagged(submitted, sectors):
    firm_a, firm_b = FirmFactory(), FirmFactory()
    operator = member_of(firm_a)
    MembershipFactory(role=Role.FIRM_MEMBER, firm=firm_b, user=operator)
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=operator, firm=firm_a)
    assert not CoSignFlag.objects.exists()
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=operator, firm=firm_b)
    flag = CoSignFlag.objects.get(reason=CoSignFlagReason.SHARED_ACCOUNT)
    assert flag.evidence["user_id"] == operator.pk
    assert flag.evidence["firm_ids"] == sorted([firm_a.pk, firm_b.pk])
    submitted.refresh_from_db()
    assert submitted.affected_firm_count == 3  # flags never block: officials judge


def test_account_that_registered_a_firm_and_signs_with_another_is_flagged(submitted, sectors):
    """A (now inactive) first member of one signing firm signs for a second firm."""
    firm_a, firm_b = FirmFactory(), FirmFactory()
    creator = member_of(firm_a)
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=creator, firm=firm_a)
    creator.memberships.filter(firm=firm_a).update(is_active=False)
    MembershipFactory(role=Role.FIRM_MEMBER, firm=firm_b, user=creator)
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firm_b), firm=firm_b)
    assert CoSignFlag.objects.filter(reason=CoSignFlagReason.SHARED_ACCOUNT, key=f"user:{creator.pk}").exists()


def test_identical_and_near_identical_texts_are_flagged(submitted, sectors):
    text = "배송 로봇의 보도 주행이 막혀 올해 실증 계획이 6개월 이상 늦어졌습니다."
    firms = [FirmFactory() for _ in range(3)]
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firms[0]), firm=firms[0], account=text)
    assert not CoSignFlag.objects.exists()
    cosigning.cosign_barrier(
        barrier_id=submitted.pk, actor=member_of(firms[1]), firm=firms[1], account=text.replace(" ", "  ") + "!"
    )
    flag = CoSignFlag.objects.get(reason=CoSignFlagReason.SIMILAR_TEXT)
    assert len(flag.evidence["matches"]) == 2
    near = text.replace("6개월", "7개월")
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firms[2]), firm=firms[2], account=near)
    flag = CoSignFlag.objects.get(reason=CoSignFlagReason.SIMILAR_TEXT)
    assert {m["firm_id"] for m in flag.evidence["matches"]} == {f.pk for f in firms}


def test_short_or_different_texts_are_not_flagged(submitted, sectors):
    firms = [FirmFactory() for _ in range(3)]
    accounts = ["저희도요", "저희도요", "충전 인프라 인허가에 두 달이 더 걸려 납품 일정을 놓쳤습니다."]
    for firm, account in zip(firms, accounts, strict=True):
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firm), firm=firm, account=account)
    assert not CoSignFlag.objects.filter(reason=CoSignFlagReason.SIMILAR_TEXT).exists()


def test_burst_of_cosignatures_is_flagged(submitted, sectors):
    for i in range(cosigning.BURST_COUNT):
        firm = FirmFactory()
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firm), firm=firm)
        flagged = CoSignFlag.objects.filter(reason=CoSignFlagReason.BURST).exists()
        assert flagged == (i + 1 >= cosigning.BURST_COUNT)
    flag = CoSignFlag.objects.get(reason=CoSignFlagReason.BURST)
    assert flag.evidence["count"] == cosigning.BURST_COUNT


def test_slow_cosignatures_are_no_burst(submitted, sectors):
    for i in range(cosigning.BURST_COUNT):
        firm = FirmFactory()
        c = cosigning.cosign_barrier(barrier_id=submitted.pk, actor=member_of(firm), firm=firm)
        CoSignature.objects.filter(pk=c.pk).update(created_at=timezone.now() - dt.timedelta(hours=i + 1))
    assert not CoSignFlag.objects.filter(reason=CoSignFlagReason.BURST).exists()


def test_flags_are_for_city_officials(submitted, city_official, firm_member, sectors):
    firm_a, firm_b = FirmFactory(), FirmFactory()
    operator = member_of(firm_a)
    MembershipFactory(role=Role.FIRM_MEMBER, firm=firm_b, user=operator)
    for f in (firm_a, firm_b):
        cosigning.cosign_barrier(barrier_id=submitted.pk, actor=operator, firm=f)
    assert selectors_cosigning.open_flag_count(submitted, city_official) == 1
    assert selectors_cosigning.open_flag_count(submitted, firm_member) is None
    page = signed_in_client(city_official).get(reverse("barriers:cosign_flags")).content.decode()
    assert "한 계정이 여러 기업으로 공동 서명" in page
    assert signed_in_client(firm_member).get(reverse("barriers:cosign_flags")).status_code == 403
    detail = signed_in_client(city_official).get(reverse("barriers:detail", args=[submitted.pk])).content.decode()
    assert "공동 서명 이상 징후" in detail
    flag = CoSignFlag.objects.get()
    signed_in_client(city_official).post(reverse("barriers:cosign_flags"), {"flag": flag.pk})
    flag.refresh_from_db()
    assert flag.reviewed_by == city_official
    assert selectors_cosigning.open_flag_count(submitted, city_official) == 0


# -- API -----------------------------------------------------------------------------------------------


def api(client: Client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json")


def test_api_cosign_list_and_withdraw(submitted, other_firm, other_firm_member, firm_member):
    url = f"/api/barriers/{submitted.pk}/cosignatures"
    signer = signed_in_client(other_firm_member)
    created = api(signer, "post", url, {"account": "우리도 같은 규제 때문에 실증을 못 합니다.", "harm_delay_months": 4})
    assert created.status_code == 201, created.content
    assert created.json()["affected_firm_count"] == 2
    assert created.json()["results"][0]["mine"] is True
    twice = api(signer, "post", url)
    assert twice.status_code == 409 and twice.json()["code"] == "already_cosigned"
    assert "한 번만" in twice.json()["message"]
    own = api(signed_in_client(firm_member), "post", url, {})
    assert own.status_code == 409 and own.json()["code"] == "own_barrier"
    listed = signed_in_client(firm_member).get(url).json()
    assert listed["cosigning_firms"] == 1 and listed["hidden"] == 1 and listed["results"] == []
    corrected = api(signer, "put", url, {"account": "실증이 넉 달 밀렸습니다.", "show_to_filer": True})
    assert corrected.status_code == 200 and corrected.json()["results"][0]["account"] == "실증이 넉 달 밀렸습니다."
    assert signed_in_client(firm_member).get(url).json()["results"][0]["firm_name"] == other_firm.name
    withdrawn = signer.delete(url)
    assert withdrawn.status_code == 200 and withdrawn.json()["affected_firm_count"] == 1
    again = signer.delete(url)
    assert again.status_code == 404 and again.json()["code"] == "cosignature_not_found"


def test_api_refusals(firm, other_firm_member, outsider, sectors):
    private = barrier_in("submitted", firm=firm, privacy=Privacy.PRIVATE)
    refused = api(signed_in_client(other_firm_member), "post", f"/api/barriers/{private.pk}/cosignatures")
    assert refused.status_code == 404 and "찾을 수 없습니다" in refused.json()["message"]
    public = barrier_in("submitted", firm=firm)
    no_firm = api(signed_in_client(outsider), "post", f"/api/barriers/{public.pk}/cosignatures")
    assert no_firm.status_code == 400 and no_firm.json()["code"] == "no_firm"
    bad = api(
        signed_in_client(other_firm_member), "post", f"/api/barriers/{public.pk}/cosignatures", {"harm_cost_won": -5}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "harm_cost_won"
    assert Client().get(f"/api/barriers/{public.pk}/cosignatures").status_code == 401
    assert signed_in_client(other_firm_member).get(f"/api/barriers/{private.pk}/cosignatures").status_code == 404


def test_api_flags_for_officials_only(submitted, city_official, firm_member):
    assert signed_in_client(city_official).get("/api/barriers/cosigning/flags").status_code == 200
    assert signed_in_client(firm_member).get("/api/barriers/cosigning/flags").status_code == 403


# -- pages ---------------------------------------------------------------------------------------------


def test_public_page_and_htmx_cosign(firm, other_firm, other_firm_member):
    barrier = barrier_in("triaged", firm=firm, body="담당자 홍길동(010-1234-5678)에게 연락 주세요. 로봇 보도 통행 문제")
    client = signed_in_client(other_firm_member)
    page = client.get(reverse("barriers:public", args=[barrier.pk])).content.decode()
    assert "010-1234-5678" not in page and firm.name not in page
    assert "우리도 겪고 있다" in page
    answer = client.post(
        reverse("barriers:cosign", args=[barrier.pk]),
        {"firm": other_firm.pk, "account": "같은 문제", "show_to_filer": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert "같은 애로를 겪는 기업 2곳" in answer.content.decode()
    again = client.post(reverse("barriers:cosign", args=[barrier.pk]), {"firm": other_firm.pk}, HTTP_HX_REQUEST="true")
    # The form is no longer offered once the only firm signed: the refusal comes as a 4xx fragment.
    assert again.status_code in (400, 409)
    withdrawn = client.post(reverse("barriers:cosign_withdraw", args=[barrier.pk]), HTTP_HX_REQUEST="true")
    assert withdrawn.status_code == 200 and "같은 애로를 겪는 기업 1곳" in withdrawn.content.decode()


def test_public_page_hides_private_and_drafts(firm, other_firm_member):
    for barrier in (barrier_in("triaged", firm=firm, privacy=Privacy.PRIVATE), barrier_in("draft", firm=firm)):
        assert signed_in_client(other_firm_member).get(reverse("barriers:public", args=[barrier.pk])).status_code == 404


# -- concurrency (PostgreSQL: SQLite serialises writers anyway) --------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks (PostgreSQL)")
def test_two_colleagues_cosign_at_the_same_moment_count_once(sectors, firm, firm_member, other_firm):
    from barriers import services
    from barriers.tests.test_concurrency import run_together

    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="동시 서명", body="가" * 40, sector_codes=["ai"], submit=True
    )
    first, second = member_of(other_firm), member_of(other_firm)
    third_firm = FirmFactory()
    third = member_of(third_firm)

    def sign(user, signing_firm):
        return lambda: cosigning.cosign_barrier(barrier_id=barrier.pk, actor=user, firm=signing_firm)

    outcomes = run_together(sign(first, other_firm), sign(second, other_firm), sign(third, third_firm))
    wins = [o for o in outcomes if isinstance(o, CoSignature)]
    losses = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 2 and len(losses) == 1, outcomes
    assert losses[0].code == "already_cosigned"
    barrier.refresh_from_db()
    assert barrier.affected_firm_count == 3


def test_api_cosign_replayed_with_the_same_idempotency_key_signs_once(submitted, other_firm_member):
    from barriers.models import CoSignature

    url = f"/api/barriers/{submitted.pk}/cosignatures"
    signer = signed_in_client(other_firm_member)
    body = json.dumps({"account": "같은 규제로 출시가 늦어졌습니다."})
    first = signer.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": "cosign-1"})
    replay = signer.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": "cosign-1"})
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert CoSignature.objects.filter(barrier=submitted).count() == 1
    other = json.dumps({"account": "다른 내용"})
    reused = signer.post(url, data=other, content_type="application/json", headers={"Idempotency-Key": "cosign-1"})
    assert reused.status_code == 422
