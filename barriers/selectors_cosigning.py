"""Reads for co-signing and association proxy filing: who may see which co-signers, the flags
officials review, the public face of a barrier other firms can join, the association's board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require
from accounts.roles import roles_of
from barriers.models import Barrier, BarrierStatus, CoSignature, CoSignFlag
from barriers.selectors import LIST_DEFERRED, barriers_for_user
from barriers.services.cosigning import is_cosignable
from barriers.transitions import OPEN
from core.errors import NotFound
from firms.models import Association, AssociationMembership, Firm


@dataclass
class CosignersView:
    """What one viewer may know about a barrier's co-signers."""

    count: int  # distinct co-signing firms (everyone may know the number)
    named: list[CoSignature] = field(default_factory=list)  # firms the viewer may see by name
    hidden: int = 0  # co-signers the viewer may not see by name
    mine: list[CoSignature] = field(default_factory=list)  # the viewer's own firms' co-signatures


def active_cosignatures(barrier: Barrier) -> QuerySet[CoSignature]:
    return CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True).select_related("firm")


def visible_cosignatures(barrier: Barrier, viewer: Any) -> CosignersView:
    """The city sees every co-signer; the filing side only those who allowed it ("show my firm
    to the filer"); a co-signer sees its own; agencies and the public only the count."""
    active = list(active_cosignatures(barrier))
    mine = [c for c in active if can(viewer, "barrier.cosign_for", c.firm)]
    if not can(viewer, "barrier.view_cosigners", barrier):
        named = mine
    elif roles_of(viewer).city_official or roles_of(viewer).admin:
        named = active
    else:
        named = [c for c in active if c.show_to_filer or c in mine]
    return CosignersView(count=len(active), named=named, hidden=len(active) - len(named), mine=mine)


def cosigning_firms(viewer: Any, barrier: Barrier) -> list[Firm]:
    """Firms ``viewer`` may still co-sign this barrier for (none when it is not co-signable)."""
    if not is_cosignable(barrier):
        return []
    roles = roles_of(viewer)
    if not roles.firm_ids:
        return []
    signed = CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True).values("firm_id")
    return list(
        Firm.objects.filter(pk__in=roles.firm_ids)
        .exclude(pk=barrier.firm_id)
        .exclude(business_registration_number=barrier.firm.business_registration_number)
        .exclude(pk__in=signed)
        .order_by("name")
    )


def public_barrier(barrier_id: int, viewer: Any = None) -> Barrier:
    """A barrier any signed-in firm may read to co-sign it: public, submitted or later, not
    withdrawn — or one ``viewer``'s firm co-signs (e.g. added by its association to a joint
    filing). Anything else is NotFound (never revealing that it exists)."""
    barrier = (
        Barrier.objects.filter(pk=barrier_id).select_related("firm", "lead_agency").prefetch_related("sectors").first()
    )
    if barrier is None or not (is_cosignable(barrier) or cosigns(viewer, barrier)):
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    return barrier


def cosigns(viewer: Any, barrier: Barrier) -> bool:
    """True when one of ``viewer``'s firms has an active co-signature on ``barrier``."""
    firm_ids = roles_of(viewer).firm_ids
    return bool(firm_ids) and (
        CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True, firm_id__in=firm_ids).exists()
    )


def cosign_flags(viewer: Any, *, barrier: Barrier | None = None, unreviewed_only: bool = False) -> QuerySet[CoSignFlag]:
    """Co-signing abuse flags for city officials, newest finding first."""
    require(viewer, "barrier.cosign_flags", barrier)
    qs = CoSignFlag.objects.select_related("barrier", "reviewed_by")
    if barrier is not None:
        qs = qs.filter(barrier=barrier)
    if unreviewed_only:
        qs = qs.filter(reviewed_at__isnull=True)
    return qs


def open_flag_count(barrier: Barrier, viewer: Any) -> int | None:
    """Unreviewed flags on the barrier for officials; None for everyone else (nothing to show)."""
    if not can(viewer, "barrier.cosign_flags", barrier):
        return None
    return CoSignFlag.objects.filter(barrier=barrier, reviewed_at__isnull=True).count()


# -- associations --------------------------------------------------------------------------------


def associations_for(user: Any) -> QuerySet[Association]:
    """Associations ``user`` works for as staff."""
    return Association.objects.filter(pk__in=roles_of(user).association_ids).order_by("name")


def association_for_user(user: Any, association_id: int) -> Association:
    association = Association.objects.filter(pk=association_id).first()
    if association is None or not can(user, "barrier.association_board", association):
        raise NotFound(_("협회를 찾을 수 없습니다."))
    return association


def member_firms(association: Association) -> QuerySet[Firm]:
    return Firm.objects.filter(
        pk__in=AssociationMembership.objects.filter(association=association).values("firm_id")
    ).order_by("name")


@dataclass
class AssociationBoard:
    """The association's status board: its members' barriers by state, overdue ones, the list."""

    association: Association
    member_count: int
    by_status: list[tuple[str, str, int]]  # (status, label, count), in workflow order
    total: int
    overdue: int
    filed_by_association: int
    barriers: QuerySet[Barrier]


def association_board(user: Any, association: Association, *, as_of: dt.datetime | None = None) -> AssociationBoard:
    """Every barrier of the association's member firms that ``user`` may see (drafts included:
    the association and its members prepare them together)."""
    require(user, "barrier.association_board", association)
    moment = as_of or timezone.now()
    members = AssociationMembership.objects.filter(association=association).values("firm_id")
    qs = barriers_for_user(user).filter(Q(firm_id__in=members) | Q(filed_via_association=association))
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    overdue = qs.filter(status__in=OPEN, due_at__lt=moment).count()
    return AssociationBoard(
        association=association,
        member_count=AssociationMembership.objects.filter(association=association).count(),
        by_status=[(s.value, str(s.label), counts.get(s.value, 0)) for s in BarrierStatus],
        total=sum(counts.values()),
        overdue=overdue,
        filed_by_association=qs.filter(filed_via_association=association).count(),
        barriers=qs.defer(*LIST_DEFERRED).select_related("firm", "lead_agency").order_by("-created_at", "-pk"),
    )
