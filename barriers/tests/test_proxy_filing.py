"""Association proxy filing: one action for many members, sealing per member, notifications,
members adding details, the status board, and who may file for whom."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from accounts.permissions import can
from accounts.testing import signed_in_client
from accounts.tests.factories import MembershipFactory
from barriers import selectors, selectors_cosigning, services
from barriers.models import Barrier, BarrierEvent, BarrierStatus, CoSignature, Notification
from barriers.services import proxy_filing
from barriers.services.proxy_filing import MemberFiling
from barriers.tests.factories import BODY, barrier_in
from core.errors import NotPermitted
from firms.models import AssociationMembership
from firms.tests.factories import AssociationFactory, FirmFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "드론 배송 비가시권 비행 승인 지연"


@pytest.fixture
def members(association, sectors):
    firms = [FirmFactory(name=f"회원사{i}") for i in range(3)]
    for firm in firms:
        AssociationMembership.objects.create(firm=firm, association=association)
    return firms


@pytest.fixture
def member_users(members):
    return [MembershipFactory(role=Role.FIRM_MEMBER, firm=f).user for f in members]


def file_for(actor, association, filings, **kwargs):
    return proxy_filing.file_for_members(
        actor=actor,
        association=association,
        members=filings,
        title=TITLE,
        body=BODY,
        sector_codes=["robots"],
        **kwargs,
    )


def test_one_barrier_per_member_with_sealing_per_member(
    association, association_staff, members, member_users, city_official, agency, agency_official
):
    filings = [MemberFiling(members[0], seal_from_agency=True), MemberFiling(members[1]), MemberFiling(members[2])]
    barriers = file_for(association_staff, association, filings, submit=True)
    assert [b.firm for b in barriers] == members
    assert [b.seal_from_agency for b in barriers] == [True, False, False]
    assert all(b.status == BarrierStatus.SUBMITTED and b.filed_via_association == association for b in barriers)
    assert BarrierEvent.objects.filter(verb="proxy_file").count() == 3
    for barrier in barriers:
        services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
        services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    sealed, open_ = Barrier.objects.get(pk=barriers[0].pk), Barrier.objects.get(pk=barriers[1].pk)
    # The agency reads the sealed member's barrier but cannot see the firm behind it.
    assert can(agency_official, "barrier.view", sealed)
    assert not can(agency_official, "barrier.view_identity", sealed)
    assert can(agency_official, "barrier.view_identity", open_)
    page = signed_in_client(agency_official).get(reverse("barriers:detail", args=[sealed.pk])).content.decode()
    assert "회원사0" not in page
    # The city always knows.
    assert can(city_official, "barrier.view_identity", sealed)


def test_members_are_notified_and_can_add_details(
    association, association_staff, members, member_users, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        barriers = file_for(association_staff, association, [MemberFiling(m) for m in members[:2]])
    notified = Notification.objects.filter(barrier__in=barriers)
    assert {n.recipient for n in notified} == set(member_users[:2])
    assert all(association.name in n.subject for n in notified)
    assert len(mail.outbox) == 2  # after the commit, the (immediate) task backend delivered them
    assert "초안" in notified.first().subject
    # A member completes the draft the association started, attaches a file, and submits it.
    member = member_users[0]
    services.update_draft(barrier_id=barriers[0].pk, actor=member, desired_change="비가시권 비행 승인 기준 마련")
    services.add_attachment(barrier_id=barriers[0].pk, actor=member, name="근거.pdf", data=PDF)
    submitted = services.submit_barrier(barrier_id=barriers[0].pk, actor=member)
    assert submitted.status == BarrierStatus.SUBMITTED
    # The other members' barriers are not theirs to touch.
    assert not can(member_users[2], "barrier.view", barriers[0])


def test_joint_filing_counts_members_as_cosigners(association, association_staff, members, member_users):
    barriers = file_for(association_staff, association, [MemberFiling(m) for m in members], mode=proxy_filing.JOINT)
    assert len(barriers) == 1
    lead = Barrier.objects.get(pk=barriers[0].pk)
    assert lead.firm == members[0] and lead.affected_firm_count == 3
    assert set(CoSignature.objects.filter(barrier=lead).values_list("firm_id", flat=True)) == {
        members[1].pk,
        members[2].pk,
    }
    # Every member hears about it, the co-signing ones as co-signers; no abuse flag for one filing.
    subjects = {n.recipient_id: n.subject for n in Notification.objects.filter(barrier=lead)}
    assert "공동 서명" in subjects[member_users[1].pk] and "공동 서명" not in subjects[member_users[0].pk]
    assert not lead.cosign_flags.exists()


def test_only_own_association_and_only_members(association, association_staff, members, sectors):
    stranger = FirmFactory(name="비회원사")
    with pytest.raises(NotPermitted) as refused:
        file_for(association_staff, association, [MemberFiling(members[0]), MemberFiling(stranger)])
    assert refused.value.code == "not_a_member" and "비회원사" in str(refused.value.message)
    assert not Barrier.objects.exists()  # all or nothing
    other = AssociationFactory()
    AssociationMembership.objects.create(firm=members[0], association=other)
    with pytest.raises(NotPermitted):
        file_for(association_staff, other, [MemberFiling(members[0])])
    firm_member = MembershipFactory(role=Role.FIRM_MEMBER, firm=members[0]).user
    with pytest.raises(NotPermitted):
        file_for(firm_member, association, [MemberFiling(members[0])])


def test_board_counts_members_barriers(association, association_staff, members, agency):
    file_for(association_staff, association, [MemberFiling(members[0])])
    barrier_in("submitted", firm=members[1])
    barrier_in("forwarded", firm=members[2], agency=agency, due_in_days=-3)  # overdue
    barrier_in("forwarded", firm=FirmFactory(), agency=agency)  # not a member: never on the board
    board = selectors_cosigning.association_board(association_staff, association)
    counts = {status: n for status, _label, n in board.by_status}
    assert counts["draft"] == 1 and counts["submitted"] == 1 and counts["forwarded"] == 1
    assert board.total == 3 and board.overdue == 1 and board.filed_by_association == 1
    assert board.member_count == 3
    assert {b.firm_id for b in board.barriers} == {m.pk for m in members}
    page = signed_in_client(association_staff).get(reverse("barriers:association_board", args=[association.pk]))
    assert page.status_code == 200 and "회원사2" in page.content.decode()
    assert selectors.barriers_for_user(association_staff).count() == 3


def test_board_is_for_own_staff(association, members, firm_member, sectors):
    other_staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=AssociationFactory()).user
    for user in (other_staff, firm_member):
        assert (
            signed_in_client(user).get(reverse("barriers:association_board", args=[association.pk])).status_code == 404
        )
        assert signed_in_client(user).get(f"/api/barriers/associations/{association.pk}/board").status_code == 404


def test_api_proxy_filing_and_board(association, association_staff, members, member_users):
    client = signed_in_client(association_staff)
    payload = {
        "members": [{"firm_id": members[0].pk, "seal_from_agency": True}, {"firm_id": members[1].pk}],
        "title": TITLE,
        "body": BODY,
        "sector_codes": ["robots"],
        "submit": True,
    }
    created = client.post(
        f"/api/barriers/associations/{association.pk}/filings", json.dumps(payload), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert len(created.json()["barrier_ids"]) == 2
    board = client.get(f"/api/barriers/associations/{association.pk}/board").json()
    assert board["total"] == 2 and board["filed_by_association"] == 2
    assert {r["sealed_from_agency"] for r in board["results"]} == {True, False}
    stranger = FirmFactory()
    refused = client.post(
        f"/api/barriers/associations/{association.pk}/filings",
        json.dumps({**payload, "members": [{"firm_id": stranger.pk}]}),
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_member"
    empty = client.post(
        f"/api/barriers/associations/{association.pk}/filings",
        json.dumps({**payload, "members": []}),
        content_type="application/json",
    )
    assert empty.status_code == 400 and empty.json()["field"] == "members"


def test_proxy_filing_page(association, association_staff, members, member_users):
    client = signed_in_client(association_staff)
    url = reverse("barriers:association_file", args=[association.pk])
    assert "회원사1" in client.get(url).content.decode()
    answer = client.post(
        url,
        {
            "members": [members[0].pk, members[1].pk],
            "sealed_members": [members[1].pk],
            "mode": "separate",
            "title": TITLE,
            "body": BODY,
            "sectors": ["robots"],
            "kind": "proposal",
            "privacy": "public_anonymous",
        },
    )
    assert answer.status_code == 302
    sealed = {b.firm_id: b.seal_from_agency for b in Barrier.objects.all()}
    assert sealed == {members[0].pk: False, members[1].pk: True}


def test_joint_cosigner_adds_its_own_account_to_the_draft(association, association_staff, members, member_users):
    barriers = file_for(association_staff, association, [MemberFiling(m) for m in members], mode=proxy_filing.JOINT)
    lead = barriers[0]
    member = member_users[1]
    assert not can(member, "barrier.view", lead)  # the draft is the lead member's ...
    page = signed_in_client(member).get(reverse("barriers:public", args=[lead.pk]))
    assert page.status_code == 200  # ... but a co-signing member reads what it co-signs
    answer = signed_in_client(member).post(
        reverse("barriers:cosign_update", args=[lead.pk]),
        {
            "firm": members[1].pk,
            f"edit-{members[1].pk}-firm": members[1].pk,
            f"edit-{members[1].pk}-account": "우리도 승인에 넉 달 걸렸습니다.",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200, answer.content.decode()
    assert CoSignature.objects.get(barrier=lead, firm=members[1]).account == "우리도 승인에 넉 달 걸렸습니다."
    # A non-member of the filing still sees nothing.
    outsider_member = MembershipFactory(role=Role.FIRM_MEMBER, firm=FirmFactory()).user
    assert signed_in_client(outsider_member).get(reverse("barriers:public", args=[lead.pk])).status_code == 404
