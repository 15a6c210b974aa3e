"""Association proxy filing (대리 접수): association staff file on behalf of member firms.

Two shapes, chosen per filing:

- ``separate`` (default): one barrier per selected member. Each member's barrier is its own case
  with its own clock, and each member chooses (through the staff) whether its identity is sealed
  from the agency — the sealing is per barrier, so it is exact.
- ``joint``: one barrier in the name of the first member, the other members co-signing it
  (counted in ``affected_firm_count``). Co-signers are never named to an agency, so only the
  lead member's sealing choice needs recording.

Members are notified by e-mail (``Notification`` rows, sent by the background task) and can add
details through the ordinary services: edit the draft, attach files, provide information.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import require
from barriers.models import Barrier, BarrierStatus, EventKind, Notification
from barriers.services._core import record_event
from barriers.services.cosigning import add_proxy_cosignature
from barriers.services.intake import file_barrier
from core.errors import NotPermitted, ValidationFailed
from firms.models import Association, AssociationMembership, Firm

MAX_MEMBERS_PER_FILING = 200
SEPARATE = "separate"
JOINT = "joint"


@dataclass(frozen=True)
class MemberFiling:
    """One member firm in a proxy filing, and whether its identity is sealed from the agency."""

    firm: Firm
    seal_from_agency: bool = False


def _check_members(association: Association, members: Sequence[MemberFiling]) -> None:
    if not members:
        raise ValidationFailed(_("대신 접수할 회원사를 한 곳 이상 고르세요."), field="members")
    if len(members) > MAX_MEMBERS_PER_FILING:
        raise ValidationFailed(
            _("한 번에 %(n)s개 회원사까지 대신 접수할 수 있습니다.") % {"n": MAX_MEMBERS_PER_FILING}, field="members"
        )
    ids = [m.firm.pk for m in members]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_("같은 회원사를 두 번 골랐습니다."), field="members")
    member_ids = set(
        AssociationMembership.objects.filter(association=association, firm_id__in=ids).values_list("firm_id", flat=True)
    )
    outsiders = [m.firm.name for m in members if m.firm.pk not in member_ids]
    if outsiders:
        raise NotPermitted(
            _("협회 회원사가 아닌 기업은 대신 접수할 수 없습니다: %(names)s") % {"names": ", ".join(outsiders[:5])},
            code="not_a_member",
        )


@transaction.atomic
def file_for_members(
    *,
    actor: Any,
    association: Association,
    members: Sequence[MemberFiling],
    title: str,
    body: str,
    sector_codes: list[str] | None = None,
    mode: str = SEPARATE,
    submit: bool = False,
    **fields: Any,
) -> list[Barrier]:
    """File one barrier per member (``separate``) or one joint barrier (``joint``) on behalf of
    ``association``'s member firms; all or nothing. Returns the barriers created."""
    require(actor, "barrier.file_for_members", association)
    if mode not in (SEPARATE, JOINT):
        raise ValidationFailed(_("접수 방식을 올바르게 선택하세요."), field="mode")
    if "seal_from_agency" in fields:
        raise ValidationFailed(_("소관기관 비공개는 회원사마다 정합니다."), field="seal_from_agency")
    _check_members(association, members)
    now = timezone.now()
    filings = members if mode == SEPARATE else members[:1]
    barriers = []
    for member in filings:
        barrier = file_barrier(
            actor=actor,
            firm=member.firm,
            title=title,
            body=body,
            sector_codes=sector_codes,
            submit=submit,
            seal_from_agency=member.seal_from_agency,
            **fields,
        )
        Barrier.objects.filter(pk=barrier.pk).update(filed_via_association=association)
        barrier.filed_via_association = association
        record_event(
            barrier,
            kind=EventKind.DRAFT_UPDATED,
            verb="proxy_file",
            actor=actor,
            now=now,
            data={"association_id": association.pk, "mode": mode, "sealed": member.seal_from_agency},
        )
        barriers.append(barrier)
    if mode == JOINT:
        lead = barriers[0]
        for member in members[1:]:
            add_proxy_cosignature(lead, actor=actor, firm=member.firm, association=association, now=now)
        lead.refresh_from_db(fields=["affected_firm_count"])
    for member in members:
        barrier = barriers[0] if mode == JOINT else next(b for b in barriers if b.firm_id == member.firm.pk)
        _notify_members(
            barrier, firm=member.firm, association=association, actor=actor, lead=barrier.firm_id == member.firm.pk
        )
    return barriers


def _notify_members(barrier: Barrier, *, firm: Firm, association: Association, actor: Any, lead: bool) -> None:
    """Tell the member firm's people what was filed in their name and how to add to it."""
    from barriers.tasks import deliver_notification

    recipients = (
        User.objects.filter(
            is_active=True, memberships__role=Role.FIRM_MEMBER, memberships__firm=firm, memberships__is_active=True
        )
        .exclude(pk=getattr(actor, "pk", None) or 0)
        .distinct()
        .order_by("pk")
    )
    draft = barrier.status == BarrierStatus.DRAFT
    if lead:
        what = _("초안을 작성했습니다") if draft else _("접수했습니다")
        subject = _("[해치] %(association)s이(가) 귀사를 대신해 규제 애로 #%(id)s을(를) %(what)s") % {
            "association": association.name,
            "id": barrier.pk,
            "what": what,
        }
        hint = (
            _("초안을 고치거나 보완한 뒤 접수할 수 있습니다.")
            if draft
            else _("해치에서 파일을 첨부하거나, 추가 정보 요청에 답할 수 있습니다.")
        )
    else:
        subject = _("[해치] %(association)s이(가) 귀사를 규제 애로 #%(id)s의 공동 서명 기업으로 등록했습니다") % {
            "association": association.name,
            "id": barrier.pk,
        }
        hint = _("해치에서 귀사가 겪는 피해를 직접 적거나 공동 서명을 철회할 수 있습니다.")
    body = "\n".join(
        [
            f"「{barrier.title}」",
            _("기업: %(firm)s") % {"firm": firm.name},
            _("현재 상태: %(status)s") % {"status": BarrierStatus(barrier.status).label},
            "",
            hint,
            f"/barriers/{barrier.pk}/",
        ]
    )
    created = [
        Notification.objects.create(recipient=user, barrier=barrier, subject=subject[:200], body=body)
        for user in recipients
    ]
    for notification in created:
        transaction.on_commit(partial(deliver_notification.enqueue, notification_id=notification.pk))
