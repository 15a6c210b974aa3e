"""Co-signing (우리도 겪고 있다): another firm joins a public barrier, counted once per firm.

A co-signature is a firm's, not a click's: one active co-signature per barrier and firm (and per
normalised 사업자등록번호, in the database), never the barrier's own firm. ``affected_firm_count``
is recounted in the same transaction, under the barrier's row lock, so it always equals one (the
filer) plus the distinct co-signing firms.

Every co-signature is checked for patterns that inflate the count — one account behind several
of the signing firms, a burst of signatures, the same (or nearly the same) text from different
firms — and each finding becomes a ``CoSignFlag`` for city officials. Flags never block a
signature: the officials judge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from accounts.permissions import can, require
from accounts.roles import roles_of
from barriers.models import (
    TEXT_MAX,
    Barrier,
    BarrierStatus,
    CoSignature,
    CoSignFlag,
    CoSignFlagReason,
    EventKind,
    Privacy,
)
from barriers.services._core import clean_optional_int, clean_text, locked_barrier, record_event
from core.errors import Conflict, NotFound, ValidationFailed
from firms.brn import InvalidBRN, normalize_brn
from firms.models import Association, Firm

# Privacy choices that allow publication; only such barriers can be co-signed by other firms.
PUBLISHABLE = frozenset({Privacy.PUBLIC_NAMED, Privacy.PUBLIC_ANONYMOUS})
# A draft is nobody's business yet; a withdrawn barrier is no longer pursued.
NOT_COSIGNABLE = frozenset({BarrierStatus.DRAFT, BarrierStatus.WITHDRAWN})

MAX_COST_WON = 10**15
MAX_DELAY_MONTHS = 600

# Abuse heuristics. Tuned to flag for review, not to refuse: a false flag costs an official a look.
BURST_WINDOW = dt.timedelta(minutes=10)
BURST_COUNT = 5
SIMILAR_TEXT_MIN_CHARS = 15  # "저희도 같습니다" is not evidence of copying
SIMILAR_TEXT_THRESHOLD = 0.8  # Jaccard of character trigrams
SIMILAR_TEXT_LOOKBACK = dt.timedelta(days=30)
SIMILAR_TEXT_COMPARE = 200  # the newest co-signatures of the barrier compared one by one

_NOT_TEXT = re.compile(r"[\W_]+")


def is_cosignable(barrier: Barrier) -> bool:
    """Public (privacy allows publication), submitted or later, not withdrawn."""
    return barrier.privacy in PUBLISHABLE and barrier.status not in NOT_COSIGNABLE


def _compact(text: str) -> str:
    """Lower-case letters and digits only: spacing and punctuation do not make a text different."""
    return _NOT_TEXT.sub("", text.lower())


def account_fingerprint(text: str) -> str:
    compact = _compact(text)
    if len(compact) < SIMILAR_TEXT_MIN_CHARS:
        return ""
    return hashlib.sha256(compact.encode("utf-8")).hexdigest()


def _trigrams(text: str) -> frozenset[str]:
    compact = _compact(text)
    return frozenset(compact[i : i + 3] for i in range(max(len(compact) - 2, 0)))


def _verified_brn(firm: Firm) -> str:
    """The firm's 사업자등록번호 as ten digits; a firm without a valid one cannot be counted."""
    try:
        return normalize_brn(firm.business_registration_number)
    except InvalidBRN:
        raise ValidationFailed(
            _("사업자등록번호가 확인되지 않은 기업은 공동 서명할 수 없습니다."), field="firm_id", code="unverified_firm"
        ) from None


def recount_affected_firms(barrier: Barrier) -> int:
    """Set ``affected_firm_count`` to 1 + the distinct firms co-signing (the caller holds the row lock)."""
    cosigning = (
        CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True)
        .exclude(firm_brn=barrier.firm.business_registration_number)
        .values("firm_brn")
        .distinct()
        .count()
    )
    barrier.affected_firm_count = 1 + cosigning
    # No version bump: a co-signature does not make an official's open form stale.
    Barrier.objects.filter(pk=barrier.pk).update(affected_firm_count=barrier.affected_firm_count)
    return barrier.affected_firm_count


def _insert(
    barrier: Barrier,
    *,
    actor: Any,
    firm: Firm,
    account: str,
    harm_cost_won: int | None,
    harm_delay_months: int | None,
    show_to_filer: bool,
    via_association: Association | None,
    now: dt.datetime,
) -> CoSignature:
    """Checks shared by direct and proxy co-signing, then the row, the count and the audit event."""
    brn = _verified_brn(firm)
    if firm.pk == barrier.firm_id or brn == barrier.firm.business_registration_number:
        raise Conflict(
            _("우리 기업이 신청한 규제 애로에는 공동 서명할 수 없습니다."), code="own_barrier", field="firm_id"
        )
    active = CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True)
    if active.filter(Q(firm=firm) | Q(firm_brn=brn)).exists():
        raise Conflict(
            _("이 기업은 이미 공동 서명했습니다. 한 기업은 한 번만 셉니다."), code="already_cosigned", field="firm_id"
        )
    text = clean_text(account, field="account", label=_("피해 설명"), max_length=TEXT_MAX)
    cosignature = CoSignature(
        barrier=barrier,
        firm=firm,
        firm_brn=brn,
        signed_by=actor if getattr(actor, "pk", None) else None,
        account=text,
        harm_cost_won=clean_optional_int(
            harm_cost_won, field="harm_cost_won", label=_("추정 비용"), maximum=MAX_COST_WON
        ),
        harm_delay_months=clean_optional_int(
            harm_delay_months, field="harm_delay_months", label=_("사업 지연"), maximum=MAX_DELAY_MONTHS
        ),
        show_to_filer=bool(show_to_filer),
        via_association=via_association,
        account_fingerprint=account_fingerprint(text),
        created_at=now,
    )
    try:
        with transaction.atomic():  # a savepoint: the unique constraints decide a race
            cosignature.save()
    except IntegrityError:
        raise Conflict(
            _("이 기업은 이미 공동 서명했습니다. 한 기업은 한 번만 셉니다."), code="already_cosigned", field="firm_id"
        ) from None
    count = recount_affected_firms(barrier)
    record_event(
        barrier,
        kind=EventKind.COSIGNED,
        verb="cosign",
        actor=actor,
        now=now,
        data={
            "cosignature_id": cosignature.pk,
            "firm_id": firm.pk,
            "via_association_id": via_association.pk if via_association else None,
            "affected_firm_count": count,
        },
    )
    detect_abuse(barrier, cosignature, now=now)
    return cosignature


def _cosignable_barrier(barrier_id: int, actor: Any, *, own_cosignature_suffices: bool = False) -> Barrier:
    """The locked barrier if ``actor`` may know about it as a co-signer; otherwise 404. A firm
    already co-signing (say, added to a joint filing by its association) may always manage its
    own co-signature."""
    barrier = locked_barrier(barrier_id)
    if own_cosignature_suffices:
        firm_ids = roles_of(actor).firm_ids
        if CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True, firm_id__in=firm_ids).exists():
            return barrier
    if barrier.status == BarrierStatus.DRAFT or not (
        barrier.privacy in PUBLISHABLE or can(actor, "barrier.view", barrier)
    ):
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    return barrier


@transaction.atomic
def cosign_barrier(
    *,
    barrier_id: int,
    actor: Any,
    firm: Firm,
    account: str = "",
    harm_cost_won: int | None = None,
    harm_delay_months: int | None = None,
    show_to_filer: bool = False,
) -> CoSignature:
    """``firm`` (for which ``actor`` acts) joins the barrier: "우리도 겪고 있다".

    Refused with a clear message when the barrier is not public or not open to co-signing, when
    it is the firm's own barrier, or when the firm already co-signed it.
    """
    barrier = _cosignable_barrier(barrier_id, actor)
    require(actor, "barrier.cosign_for", firm)
    if barrier.status == BarrierStatus.WITHDRAWN:
        raise Conflict(_("취하된 규제 애로에는 공동 서명할 수 없습니다."), code="not_cosignable")
    if barrier.privacy not in PUBLISHABLE and firm.pk != barrier.firm_id:
        raise Conflict(
            _("신청 기업이 공개를 허용하지 않은 규제 애로에는 공동 서명할 수 없습니다."), code="not_cosignable"
        )
    return _insert(
        barrier,
        actor=actor,
        firm=firm,
        account=account,
        harm_cost_won=harm_cost_won,
        harm_delay_months=harm_delay_months,
        show_to_filer=show_to_filer,
        via_association=None,
        now=timezone.now(),
    )


def add_proxy_cosignature(
    barrier: Barrier, *, actor: Any, firm: Firm, association: Association, now: dt.datetime
) -> CoSignature:
    """A member firm joins a barrier its association filed jointly (the caller checked membership
    and holds the transaction). The association's own filing may still be a private draft."""
    require(actor, "barrier.cosign_for", firm)
    return _insert(
        barrier,
        actor=actor,
        firm=firm,
        account="",
        harm_cost_won=None,
        harm_delay_months=None,
        show_to_filer=True,  # the filer is the association's own member: nothing to hide
        via_association=association,
        now=now,
    )


def _own_cosignature(barrier: Barrier, actor: Any, firm: Firm | None) -> CoSignature:
    active = CoSignature.objects.select_for_update().filter(barrier=barrier, withdrawn_at__isnull=True)
    if firm is not None:
        require(actor, "barrier.cosign_for", firm)
        found = active.filter(firm=firm).first()
    else:
        mine = [c for c in active.select_related("firm") if can(actor, "barrier.cosign_for", c.firm)]
        if len(mine) > 1:
            raise ValidationFailed(_("어느 기업의 공동 서명인지 firm_id로 알려 주세요."), field="firm_id")
        found = mine[0] if mine else None
    if found is None:
        raise NotFound(_("우리 기업의 공동 서명이 없습니다."), code="cosignature_not_found")
    return found


@transaction.atomic
def update_cosignature(
    *,
    barrier_id: int,
    actor: Any,
    firm: Firm | None = None,
    account: str = "",
    harm_cost_won: int | None = None,
    harm_delay_months: int | None = None,
    show_to_filer: bool = False,
) -> CoSignature:
    """The co-signing firm adds or corrects its own account of the harm, or its visibility choice."""
    barrier = _cosignable_barrier(barrier_id, actor, own_cosignature_suffices=True)
    cosignature = _own_cosignature(barrier, actor, firm)
    text = clean_text(account, field="account", label=_("피해 설명"), max_length=TEXT_MAX)
    cosignature.account = text
    cosignature.account_fingerprint = account_fingerprint(text)
    cosignature.harm_cost_won = clean_optional_int(
        harm_cost_won, field="harm_cost_won", label=_("추정 비용"), maximum=MAX_COST_WON
    )
    cosignature.harm_delay_months = clean_optional_int(
        harm_delay_months, field="harm_delay_months", label=_("사업 지연"), maximum=MAX_DELAY_MONTHS
    )
    cosignature.show_to_filer = bool(show_to_filer)
    cosignature.save()
    now = timezone.now()
    record_event(
        barrier,
        kind=EventKind.COSIGNED,
        verb="update_cosignature",
        actor=actor,
        now=now,
        data={"cosignature_id": cosignature.pk, "firm_id": cosignature.firm_id},
    )
    detect_abuse(barrier, cosignature, now=now)
    return cosignature


@transaction.atomic
def withdraw_cosignature(*, barrier_id: int, actor: Any, firm: Firm | None = None) -> Barrier:
    """The co-signing firm takes its signature back; the count drops in the same transaction."""
    barrier = _cosignable_barrier(barrier_id, actor, own_cosignature_suffices=True)
    cosignature = _own_cosignature(barrier, actor, firm)
    now = timezone.now()
    cosignature.withdrawn_at = now
    cosignature.save(update_fields=["withdrawn_at"])
    count = recount_affected_firms(barrier)
    record_event(
        barrier,
        kind=EventKind.COSIGN_WITHDRAWN,
        verb="withdraw_cosignature",
        actor=actor,
        now=now,
        data={"cosignature_id": cosignature.pk, "firm_id": cosignature.firm_id, "affected_firm_count": count},
    )
    return barrier


@transaction.atomic
def review_cosign_flag(*, flag_id: int, actor: Any) -> CoSignFlag:
    """A city official marks a flag as looked at (it stays, with who and when)."""
    flag = CoSignFlag.objects.select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("찾을 수 없습니다."))
    require(actor, "barrier.cosign_flags", flag.barrier)
    if flag.reviewed_at is None:
        flag.reviewed_at = timezone.now()
        flag.reviewed_by = actor
        flag.save(update_fields=["reviewed_at", "reviewed_by"])
    return flag


# -- abuse detection -------------------------------------------------------------------------------


def _flag(barrier: Barrier, *, reason: str, key: str, evidence: dict[str, Any], now: dt.datetime) -> CoSignFlag:
    """Create the flag, or refresh the evidence of the same finding (and ask for a new look)."""
    flag, created = CoSignFlag.objects.get_or_create(
        barrier=barrier,
        reason=reason,
        key=key,
        defaults={"evidence": evidence, "created_at": now, "updated_at": now},
    )
    if not created and flag.evidence != evidence:
        flag.evidence = evidence
        flag.updated_at = now
        flag.reviewed_at = None
        flag.reviewed_by = None
        flag.save(update_fields=["evidence", "updated_at", "reviewed_at", "reviewed_by"])
    return flag


def detect_abuse(barrier: Barrier, cosignature: CoSignature, *, now: dt.datetime) -> list[CoSignFlag]:
    """Flag the patterns the new ``cosignature`` completes. Bounded work per signature: only the
    accounts behind the new firm, one windowed count, and the newest texts are examined."""
    flags = []
    active = CoSignature.objects.filter(barrier=barrier, withdrawn_at__isnull=True)
    flags += _shared_accounts(barrier, cosignature, active, now=now)
    burst = _burst(barrier, active, now=now)
    if burst is not None:
        flags.append(burst)
    flags += _similar_texts(barrier, cosignature, active, now=now)
    return flags


def _shared_accounts(barrier: Barrier, cosignature: CoSignature, active: Any, *, now: dt.datetime) -> list[CoSignFlag]:
    """One person behind several of the firms counted on this barrier: a member (past or present,
    which covers the account that registered the firms) of more than one of them, or the signer of
    more than one co-signature."""
    counted_firms = {barrier.firm_id, *active.values_list("firm_id", flat=True)}
    people = set(
        Membership.objects.filter(role=Role.FIRM_MEMBER, firm=cosignature.firm_id).values_list("user_id", flat=True)
    )
    if cosignature.signed_by_id:
        people.add(cosignature.signed_by_id)
    firms_by_user: dict[int, set[int]] = {}
    for user_id, firm_id in Membership.objects.filter(
        role=Role.FIRM_MEMBER, user_id__in=people, firm_id__in=counted_firms
    ).values_list("user_id", "firm_id"):
        firms_by_user.setdefault(user_id, set()).add(firm_id)
    # Proxy co-signatures are signed by association staff by design: not one person's inflation.
    for user_id, firm_id in active.filter(signed_by_id__in=people, via_association__isnull=True).values_list(
        "signed_by_id", "firm_id"
    ):
        firms_by_user.setdefault(user_id, set()).add(firm_id)
    flags = []
    for user_id, firms in sorted(firms_by_user.items()):
        if len(firms) < 2:
            continue
        evidence = {
            "user_id": user_id,
            "firm_ids": sorted(firms),
            "cosignature_ids": sorted(active.filter(firm_id__in=firms).values_list("pk", flat=True)),
        }
        flags.append(
            _flag(barrier, reason=CoSignFlagReason.SHARED_ACCOUNT, key=f"user:{user_id}", evidence=evidence, now=now)
        )
    return flags


def _burst(barrier: Barrier, active: Any, *, now: dt.datetime) -> CoSignFlag | None:
    # Members added by their association in one joint filing arrive together by design.
    recent = list(
        active.filter(created_at__gte=now - BURST_WINDOW, via_association__isnull=True).values_list("pk", "firm_id")
    )
    if len(recent) < BURST_COUNT:
        return None
    window_start = now - BURST_WINDOW
    evidence = {
        "window_minutes": int(BURST_WINDOW.total_seconds() // 60),
        "count": len(recent),
        "since": window_start.isoformat(),
        "cosignature_ids": sorted(pk for pk, _firm in recent),
        "firm_ids": sorted({firm for _pk, firm in recent}),
    }
    # One flag per hour of bursting, however many signatures arrive in it.
    key = f"burst:{timezone.localtime(now):%Y%m%d%H}"
    return _flag(barrier, reason=CoSignFlagReason.BURST, key=key, evidence=evidence, now=now)


def _similar_texts(barrier: Barrier, cosignature: CoSignature, active: Any, *, now: dt.datetime) -> list[CoSignFlag]:
    """The same account text from different firms: identical anywhere in the last 30 days (by
    fingerprint, an index lookup), or nearly identical on this barrier (trigram Jaccard)."""
    if not cosignature.account_fingerprint:
        return []
    matches: dict[int, dict[str, Any]] = {}
    identical = (
        CoSignature.objects.filter(
            account_fingerprint=cosignature.account_fingerprint, created_at__gte=now - SIMILAR_TEXT_LOOKBACK
        )
        .exclude(firm_id=cosignature.firm_id)
        .values_list("pk", "firm_id", "barrier_id")[:50]
    )
    for pk, firm_id, barrier_id in identical:
        matches[pk] = {"firm_id": firm_id, "barrier_id": barrier_id, "similarity": 1.0}
    mine = _trigrams(cosignature.account)
    others = (
        active.exclude(firm_id=cosignature.firm_id)
        .exclude(account_fingerprint="")
        .exclude(pk__in=list(matches))
        .order_by("-created_at")
        .values_list("pk", "firm_id", "account")[:SIMILAR_TEXT_COMPARE]
    )
    for pk, firm_id, text in others:
        theirs = _trigrams(text)
        union = mine | theirs
        similarity = len(mine & theirs) / len(union) if union else 0.0
        if similarity >= SIMILAR_TEXT_THRESHOLD:
            matches[pk] = {"firm_id": firm_id, "barrier_id": barrier.pk, "similarity": round(similarity, 3)}
    if not matches:
        return []
    # Grouped under the oldest text of the cluster, so a third copy joins the same flag.
    first = min([cosignature.pk, *matches])
    key_source = CoSignature.objects.filter(pk=first).values_list("account_fingerprint", flat=True).first()
    key = f"text:{(key_source or cosignature.account_fingerprint)[:32]}"
    existing = CoSignFlag.objects.filter(barrier=barrier, reason=CoSignFlagReason.SIMILAR_TEXT, key=key).first()
    previous = existing.evidence.get("matches", []) if existing else []
    merged = {m["cosignature_id"]: m for m in previous}
    merged[cosignature.pk] = {"cosignature_id": cosignature.pk, "firm_id": cosignature.firm_id, "similarity": 1.0}
    for pk, match in matches.items():
        merged[pk] = {"cosignature_id": pk, **match}
    evidence = {"matches": [merged[k] for k in sorted(merged)]}
    return [_flag(barrier, reason=CoSignFlagReason.SIMILAR_TEXT, key=key, evidence=evidence, now=now)]
