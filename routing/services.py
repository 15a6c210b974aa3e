"""Write side of routing: store proposals, link barriers into recurring regulations, record what
officials confirmed at triage, merge/split/confirm recurring regulations, answer one once.

Barrier status still changes only through ``barriers.services`` (triage and answer are called
from here, never re-implemented); each function here is one business action in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require
from agencies.models import Agency
from agencies.selectors import agency_by_name
from barriers import services as barrier_services
from barriers.models import AnswerOutcome, Barrier, BarrierStatus, OutcomeStage
from barriers.services._core import clean_line
from barriers.transitions import can_move
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from firms.models import Sector
from routing import harm
from routing.engine import RoutedText, consolidate_groups, link_threshold, signature_index
from routing.models import (
    STATEMENT_MAX,
    AnswerState,
    BarrierSignature,
    LinkSource,
    RecurringMembership,
    RecurringRegulation,
    RecurringStatus,
    RoutingDecision,
    RoutingSuggestion,
    SuggestionStatus,
)
from routing.selectors import is_public_barrier

# Barriers that no longer speak for a firm: drafts were never filed, withdrawn ones were taken back.
INACTIVE = frozenset({BarrierStatus.DRAFT, BarrierStatus.WITHDRAWN})


# ---- proposals and linking -------------------------------------------------------------------
@transaction.atomic
def record_routing(*, barrier_id: int, routed: RoutedText, model_version: str) -> RoutingSuggestion:
    """Store the proposal and the signature of a routed barrier and link it to the recurring
    regulation it is about (or start a candidate one). Re-routing replaces the proposal; a
    barrier already placed in a recurring regulation stays where it is."""
    barrier = Barrier.objects.select_for_update().filter(pk=barrier_id).first()
    if barrier is None:
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    p = routed.proposal
    suggestion, created = RoutingSuggestion.objects.update_or_create(
        barrier=barrier,
        defaults={
            "sector": p["sector"],
            "sector_scores": p["sector_scores"],
            "agencies": p["agencies"],
            "statutes": p["statute_details"],
            "articles": p["articles"],
            "model_version": model_version,
        },
    )
    if not created and barrier.status == BarrierStatus.SUBMITTED and suggestion.status != SuggestionStatus.PROPOSED:
        suggestion.status = SuggestionStatus.PROPOSED
        suggestion.save(update_fields=["status", "updated_at"])
    membership = RecurringMembership.objects.filter(barrier=barrier).select_related("regulation").first()
    # Look for near duplicates before writing this barrier's signature: the index then only ever
    # reads committed rows, never one this transaction might still roll back.
    regulation, score = (None, 0.0) if membership else _best_regulation(barrier_id=barrier.pk, routed=routed)
    f = routed.features
    # Rows are immutable (the in-memory index follows growing primary keys): replace, never update.
    BarrierSignature.objects.filter(barrier=barrier).delete()
    BarrierSignature.objects.create(
        barrier=barrier, morphemes=sorted(f.morphemes), statutes=sorted(f.statutes), articles=sorted(f.articles)
    )
    if membership is None:
        if regulation is None:
            regulation = RecurringRegulation.objects.create(statement=_statement_from(barrier))
        RecurringMembership.objects.create(regulation=regulation, barrier=barrier, score=round(score, 4))
    else:
        regulation = membership.regulation
    refresh_recurring(regulation_id=regulation.pk)
    return suggestion


def _best_regulation(*, barrier_id: int, routed: RoutedText) -> tuple[RecurringRegulation | None, float]:
    """The live recurring regulation whose members fit the barrier best on average (average link
    over the regulations of its LSH candidates), if that mean reaches the link threshold."""
    index = signature_index()
    candidates = [b for b, s in index.candidates(routed.features, exclude=barrier_id) if s > 0][:50]
    if not candidates:
        return None, 0.0
    regulations = {
        _live(m.regulation)
        for m in RecurringMembership.objects.filter(barrier_id__in=candidates).select_related("regulation")
    }
    members: dict[int, list[int]] = {}
    for regulation_id, member_id in RecurringMembership.objects.filter(
        regulation_id__in=[r.pk for r in regulations]
    ).values_list("regulation_id", "barrier_id"):
        if member_id != barrier_id:
            members.setdefault(regulation_id, []).append(member_id)
    best: tuple[RecurringRegulation | None, float] = (None, 0.0)
    for regulation in sorted(regulations, key=lambda r: r.pk):
        value = index.group_score(routed.features, members.get(regulation.pk, ()))
        if value > best[1]:
            best = (regulation, value)
    return best if best[1] >= link_threshold() else (None, 0.0)


@transaction.atomic
def consolidate_recurring() -> list[tuple[int, int]]:
    """Merge candidate recurring regulations that concern one rule: barriers linked one by one
    leave paraphrases in separate candidates when the first reports share few words; average-link
    merging of neighbouring candidates (LSH, no pair scan) gathers them, as bench/routing_cluster.py
    measures it. Only candidates nobody has touched take part: a confirmed regulation, or one an
    official merged, split or placed members in (official memberships), stays as it is. The older
    candidate absorbs the newer (its members move, it points to the absorber, as a merge by an
    official leaves it). Returns (absorbed, kept) regulation ids."""
    rows = RecurringMembership.objects.exclude(regulation__status=RecurringStatus.MERGED).values_list(
        "barrier_id", "regulation_id", "regulation__status", "source"
    )
    group_of: dict[int, str] = {}
    untouchable: set[str] = set()
    for barrier_id, regulation_id, status, source in rows:
        group_of[barrier_id] = f"R{regulation_id}"
        if status != RecurringStatus.CANDIDATE or source == LinkSource.OFFICIAL:
            untouchable.add(f"R{regulation_id}")
    merges = consolidate_groups(group_of, exclude=untouchable)
    done: list[tuple[int, int]] = []
    for drop, keep, _score in merges:
        source_id, target_id = int(drop[1:]), int(keep[1:])
        RecurringMembership.objects.filter(regulation_id=source_id).update(regulation_id=target_id)
        RecurringRegulation.objects.filter(pk=source_id).update(
            status=RecurringStatus.MERGED, merged_into_id=target_id, updated_at=timezone.now()
        )
        done.append((source_id, target_id))
    for regulation_id in {pk for pair in done for pk in pair}:
        refresh_recurring(regulation_id=regulation_id)
    return done


def _live(regulation: RecurringRegulation) -> RecurringRegulation:
    """Follow merges to the regulation that absorbed this one."""
    seen = {regulation.pk}
    while regulation.status == RecurringStatus.MERGED and regulation.merged_into_id:
        if regulation.merged_into_id in seen:
            break
        seen.add(regulation.merged_into_id)
        regulation = RecurringRegulation.objects.get(pk=regulation.merged_into_id)
    return regulation


def _statement_from(barrier: Barrier) -> str:
    return (barrier.title or barrier.body[:120] or _("(내용 없음)"))[:STATEMENT_MAX]


# ---- harm figures ------------------------------------------------------------------------------
_ANSWER_RANK: dict[str, int] = {
    AnswerState.NONE: 0,
    AnswerState.DECLINED: 1,
    AnswerState.LONG_TERM_REVIEW: 2,
    AnswerState.PARTLY_ACCEPTED: 3,
    AnswerState.ACCEPTED: 4,
    AnswerState.RESOLVED: 5,
}
_HARM_STATE: dict[str, str] = {
    AnswerState.NONE: "open",
    AnswerState.DECLINED: "declined",
    AnswerState.LONG_TERM_REVIEW: "long_term_review",
    AnswerState.PARTLY_ACCEPTED: "partly_accepted",
    AnswerState.ACCEPTED: "accepted",
    AnswerState.RESOLVED: "resolved",
}


@dataclass
class _Figures:
    member_count: int = 0
    firm_count: int = 0
    first_reported_at: dt.datetime | None = None
    days_unresolved: int = 0
    answer_state: str = AnswerState.NONE
    harm_score: float = 0.0
    statutes: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _CoSigner:
    firm_id: int
    cost_won: int | None
    delay_months: int | None


def _cosigners(barrier_ids: list[int]) -> dict[int, list[_CoSigner]] | None:
    """Active co-signatures of each barrier (firm and its own stated harm), when the barriers app
    records them; None when it does not (the filer's ``affected_firm_count`` stands in)."""
    try:
        model = apps.get_model("barriers", "CoSignature")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if "firm" not in names or "barrier" not in names:
        return None
    rows = model._default_manager.filter(barrier_id__in=barrier_ids)
    if "withdrawn_at" in names:
        rows = rows.filter(withdrawn_at__isnull=True)
    fields = ["barrier_id", "firm_id"] + [f for f in ("harm_cost_won", "harm_delay_months") if f in names]
    out: dict[int, list[_CoSigner]] = {}
    for row in rows.values(*fields):
        out.setdefault(row["barrier_id"], []).append(
            _CoSigner(row["firm_id"], row.get("harm_cost_won"), row.get("harm_delay_months"))
        )
    return out


def _answer_state(barrier: Barrier) -> tuple[str, dt.date | None]:
    best: str = AnswerState.NONE
    resolved_on: dt.date | None = None
    in_force = next((m for m in barrier.milestones.all() if m.stage == OutcomeStage.IN_FORCE), None)
    for answer in barrier.answers.all():
        state = {
            AnswerOutcome.DECLINED: AnswerState.DECLINED,
            AnswerOutcome.LONG_TERM_REVIEW: AnswerState.LONG_TERM_REVIEW,
            AnswerOutcome.PARTLY_ACCEPTED: AnswerState.PARTLY_ACCEPTED,
            AnswerOutcome.ACCEPTED: AnswerState.ACCEPTED,
        }[AnswerOutcome(answer.outcome)]
        if state == AnswerState.ACCEPTED and in_force is not None:
            state, resolved_on = AnswerState.RESOLVED, in_force.happened_on
        if _ANSWER_RANK[state] > _ANSWER_RANK[best]:
            best = state
    return best, resolved_on


def _figures(barriers: list[Barrier], cosigners: dict[int, list[_CoSigner]] | None, *, today: dt.date) -> _Figures:
    if not barriers:
        return _Figures()
    firms: set[str] = set()
    costs: list[float] = []
    delays: list[float] = []
    best: str = AnswerState.NONE
    resolved_on: dt.date | None = None
    statutes: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    for b in barriers:
        firms.add(f"firm:{b.firm_id}")
        stated = [(b.harm_cost_won, b.harm_delay_months)]
        if cosigners is not None:
            for c in cosigners.get(b.pk, ()):
                firms.add(f"firm:{c.firm_id}")
                stated.append((c.cost_won, c.delay_months))
        else:  # no co-signature records: the filer's own count of firms affected, beyond itself
            firms.update(f"barrier:{b.pk}:{n}" for n in range(1, max(b.affected_firm_count, 1)))
        costs.extend(cost / 1_000_000 for cost, _d in stated if cost is not None)
        delays.extend(float(delay) for _c, delay in stated if delay is not None)
        state, on = _answer_state(b)
        if _ANSWER_RANK[state] > _ANSWER_RANK[best]:
            best, resolved_on = state, on
        suggestion = getattr(b, "routing_suggestion", None)
        for s in (suggestion.statutes if suggestion else [])[:2]:
            statutes[s["name"]] += 1
        for a in suggestion.articles if suggestion else []:
            articles[a] += 1
    first = min((b.submitted_at or b.created_at) for b in barriers)
    first_day = timezone.localdate(first)
    until = min(resolved_on or today, today)
    inputs = harm.HarmInputs(
        firm_ids=frozenset(firms),
        first_reported=first_day,
        stated_costs_million_won=tuple(costs),
        stated_delays_months=tuple(delays),
        state=_HARM_STATE[AnswerState(best)],
        resolved_on=resolved_on,
    )
    return _Figures(
        member_count=len(barriers),
        firm_count=len(firms),
        first_reported_at=first,
        days_unresolved=max((until - first_day).days, 0),
        answer_state=best,
        harm_score=harm.harm_score(inputs, as_of=today),
        statutes=[name for name, _n in statutes.most_common(5)],
        articles=[name for name, _n in articles.most_common(8)],
    )


@transaction.atomic
def refresh_recurring(*, regulation_id: int, as_of: dt.date | None = None) -> RecurringRegulation:
    """Recompute a recurring regulation's members, firms, days, best answer and harm scores
    (over every member, and over public members only) and its sectors, agencies and statutes."""
    regulation = RecurringRegulation.objects.select_for_update().get(pk=regulation_id)
    today = as_of or timezone.localdate()
    members = list(
        Barrier.objects.filter(recurring_membership__regulation=regulation)
        .exclude(status__in=INACTIVE)
        .select_related("routing_suggestion")
        .prefetch_related("answers", "milestones", "sectors")
        .order_by("submitted_at", "pk")
    )
    cosigners = _cosigners([b.pk for b in members])
    everyone = _figures(members, cosigners, today=today)
    public = [b for b in members if is_public_barrier(b)]
    seen = _figures(public, cosigners, today=today)
    regulation.member_count = everyone.member_count
    regulation.firm_count = everyone.firm_count
    regulation.first_reported_at = everyone.first_reported_at
    regulation.days_unresolved = everyone.days_unresolved
    regulation.answer_state = everyone.answer_state
    regulation.harm_score = everyone.harm_score
    regulation.statutes = everyone.statutes
    regulation.articles = everyone.articles
    regulation.statute_names = "\n".join(everyone.statutes)
    regulation.public_member_count = seen.member_count
    regulation.public_firm_count = seen.firm_count
    regulation.public_first_reported_at = seen.first_reported_at
    regulation.public_days_unresolved = seen.days_unresolved
    regulation.public_answer_state = seen.answer_state
    regulation.public_harm_score = seen.harm_score
    regulation.public_title = public[0].title[:300] if public else ""
    regulation.refreshed_at = timezone.now()
    regulation.save()
    sector_ids = {s.pk for b in members for s in b.sectors.all()}
    regulation.sectors.set(sector_ids)
    agency_ids = {b.lead_agency_id for b in members if b.lead_agency_id}
    for b in members:
        suggestion = getattr(b, "routing_suggestion", None)
        if b.lead_agency_id is None and suggestion is not None and suggestion.top_agency_name:
            agency = agency_by_name(suggestion.top_agency_name)
            if agency is not None:
                agency_ids.add(agency.pk)
    regulation.agencies.set(agency_ids)
    return regulation


def refresh_for_barrier(*, barrier_id: int) -> RecurringRegulation | None:
    """Refresh the recurring regulation a barrier belongs to (after triage, an answer …)."""
    membership = RecurringMembership.objects.filter(barrier_id=barrier_id).only("regulation_id").first()
    if membership is None:
        return None
    return refresh_recurring(regulation_id=membership.regulation_id)


# ---- triage: accept or correct the proposal ---------------------------------------------------
def _suggestion(barrier_id: int) -> RoutingSuggestion:
    suggestion = RoutingSuggestion.objects.filter(barrier_id=barrier_id).first()
    if suggestion is None:
        raise Conflict(_("아직 라우팅 제안이 없습니다. 잠시 후 다시 시도하세요."), code="no_suggestion")
    return suggestion


@transaction.atomic
def accept_suggestion(*, barrier_id: int, actor: Any, expected_version: int | None = None) -> Barrier:
    """One click: triage with the proposed sector and lead agency (the kind stays as filed)."""
    barrier = Barrier.objects.filter(pk=barrier_id).first()
    if barrier is None or not can(actor, "barrier.view", barrier):
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    suggestion = _suggestion(barrier_id)
    lead = agency_by_name(suggestion.top_agency_name) if suggestion.top_agency_name else None
    if lead is None or not lead.is_active:
        raise ValidationFailed(
            _("제안된 소관기관이 기관 목록에 없습니다. 소관기관을 직접 고르세요."), field="lead_agency"
        )
    return triage_with_routing(
        barrier_id=barrier_id,
        actor=actor,
        kind=barrier.kind,
        lead_agency=lead,
        sector_code=suggestion.sector,
        statutes=[s["name"] for s in suggestion.statutes],
        expected_version=expected_version,
    )


def record_triage_decision(
    *,
    barrier: Barrier,
    actor: Any,
    sector_codes: list[str],
    lead_agency: Agency,
    cooperating_agencies: Iterable[Agency] = (),
) -> RoutingDecision:
    """Keep what the city confirmed at a triage (any path) beside what was proposed.

    Runs inside the triage's transaction (``barriers.signals.barrier_triaged``). The statutes are
    left unconfirmed: only the routing proposal's form asks for them (``triage_with_routing``).
    """
    suggestion = RoutingSuggestion.objects.select_for_update().filter(barrier_id=barrier.pk).first()
    accepted = bool(suggestion and suggestion.sector in sector_codes and suggestion.top_agency_name == lead_agency.name)
    decision = RoutingDecision.objects.create(
        barrier=barrier,
        suggestion=suggestion,
        actor=actor,
        accepted_as_proposed=accepted,
        proposed_sector=suggestion.sector if suggestion else "",
        proposed_agency=suggestion.top_agency_name if suggestion else "",
        sector=sector_codes[0] if sector_codes else "",
        lead_agency=lead_agency,
        agency_names=[lead_agency.name, *(a.name for a in cooperating_agencies if a.pk != lead_agency.pk)],
        statutes=[],
        statutes_confirmed=False,
    )
    if suggestion is not None:
        _mark_suggestion(suggestion, accepted=accepted)
    return decision


def _mark_suggestion(suggestion: RoutingSuggestion, *, accepted: bool) -> None:
    suggestion.status = SuggestionStatus.ACCEPTED if accepted else SuggestionStatus.CORRECTED
    suggestion.save(update_fields=["status", "updated_at"])


@transaction.atomic
def triage_with_routing(
    *,
    barrier_id: int,
    actor: Any,
    kind: str,
    lead_agency: Agency,
    sector_code: str,
    cooperating_agencies: Iterable[Agency] = (),
    statutes: Iterable[str] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Barrier:
    """Triage through ``barriers.services.triage_barrier`` and keep what the official confirmed
    (accepted as proposed, or corrected) — statutes included — as a training signal."""
    barrier = Barrier.objects.filter(pk=barrier_id).first()
    if barrier is None or not can(actor, "barrier.view", barrier):
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    require(actor, "routing.decide", barrier)
    if not Sector.objects.filter(code=sector_code).exists():
        raise ValidationFailed(_("분야를 올바르게 선택하세요."), field="sector")
    cooperating = [a for a in cooperating_agencies if a.pk != lead_agency.pk]
    confirmed_statutes: list[str] = []
    for name in statutes:
        clean = clean_line(name, field="statutes", label=_("관련 법령"), max_length=300)
        if clean and clean not in confirmed_statutes:
            confirmed_statutes.append(clean)
    triaged = barrier_services.triage_barrier(
        barrier_id=barrier_id,
        actor=actor,
        kind=kind,
        lead_agency=lead_agency,
        cooperating_agencies=cooperating,
        sector_codes=[sector_code],
        note=note,
        expected_version=expected_version,
    )
    # The triage wrote the decision (barrier_triaged); this form also confirmed the statutes.
    decision = RoutingDecision.objects.filter(barrier_id=barrier_id).order_by("-pk").select_related("suggestion")[0]
    suggestion = decision.suggestion
    proposed_statutes = [s["name"] for s in suggestion.statutes] if suggestion else []
    decision.statutes = confirmed_statutes
    decision.statutes_confirmed = True
    decision.articles = [
        a for a in (suggestion.articles if suggestion else []) if a.split(" 제")[0] in confirmed_statutes
    ]
    decision.accepted_as_proposed = decision.accepted_as_proposed and set(proposed_statutes) == set(confirmed_statutes)
    decision.save(update_fields=["statutes", "statutes_confirmed", "articles", "accepted_as_proposed"])
    if suggestion is not None and not decision.accepted_as_proposed:
        _mark_suggestion(suggestion, accepted=False)
    refresh_for_barrier(barrier_id=barrier_id)
    return triaged


# ---- recurring regulations: confirm, merge, split, answer once -------------------------------
def _locked_regulation(regulation_id: int) -> RecurringRegulation:
    regulation = RecurringRegulation.objects.select_for_update().filter(pk=regulation_id).first()
    if regulation is None:
        raise NotFound(_("본질적 규제를 찾을 수 없습니다."))
    if regulation.status == RecurringStatus.MERGED:
        raise Conflict(_("이미 다른 본질적 규제에 병합되었습니다."), code="regulation_merged")
    return regulation


def _statement(value: Any) -> str:
    return clean_line(value, field="statement", label=_("규제 내용"), max_length=STATEMENT_MAX, required=True)


@transaction.atomic
def confirm_recurring(*, regulation_id: int, actor: Any, statement: str) -> RecurringRegulation:
    """An official confirms a candidate (or rewords a confirmed one): its statement becomes public."""
    require(actor, "recurring.manage")
    regulation = _locked_regulation(regulation_id)
    regulation.statement = _statement(statement)
    regulation.status = RecurringStatus.CONFIRMED
    regulation.confirmed_by = actor
    regulation.save(update_fields=["statement", "status", "confirmed_by", "updated_at"])
    return regulation


@transaction.atomic
def merge_recurring(*, source_id: int, target_id: int, actor: Any) -> RecurringRegulation:
    """Move every member of ``source`` into ``target``; the source stays as a pointer to it."""
    require(actor, "recurring.manage")
    if source_id == target_id:
        raise ValidationFailed(_("같은 본질적 규제끼리는 병합할 수 없습니다."), field="target")
    first, second = sorted([source_id, target_id])  # lock in a fixed order: two merges may cross
    locked = {first: _locked_regulation(first), second: _locked_regulation(second)}
    source, target = locked[source_id], locked[target_id]
    RecurringMembership.objects.filter(regulation=source).update(
        regulation=target, source=LinkSource.OFFICIAL, linked_by=actor
    )
    source.status = RecurringStatus.MERGED
    source.merged_into = target
    source.save(update_fields=["status", "merged_into", "updated_at"])
    refresh_recurring(regulation_id=source.pk)
    return refresh_recurring(regulation_id=target.pk)


@transaction.atomic
def split_recurring(
    *, regulation_id: int, barrier_ids: Iterable[int], actor: Any, statement: str = ""
) -> RecurringRegulation:
    """Move the chosen member barriers out into a new candidate recurring regulation."""
    require(actor, "recurring.manage")
    regulation = _locked_regulation(regulation_id)
    wanted = {int(i) for i in barrier_ids}
    members = set(regulation.memberships.values_list("barrier_id", flat=True))
    if not wanted or not wanted <= members:
        raise ValidationFailed(_("나눌 규제 애로를 이 본질적 규제의 구성원 중에서 고르세요."), field="barrier_ids")
    if wanted == members:
        raise ValidationFailed(_("모든 구성원을 옮길 수는 없습니다. 일부만 고르세요."), field="barrier_ids")
    first = Barrier.objects.filter(pk__in=wanted).order_by("submitted_at", "pk").first()
    assert first is not None
    text = _statement(statement) if statement and statement.strip() else _statement_from(first)
    new = RecurringRegulation.objects.create(statement=text)
    RecurringMembership.objects.filter(regulation=regulation, barrier_id__in=wanted).update(
        regulation=new, source=LinkSource.OFFICIAL, linked_by=actor
    )
    refresh_recurring(regulation_id=regulation.pk)
    return refresh_recurring(regulation_id=new.pk)


@dataclass
class AnswerOnceResult:
    regulation: RecurringRegulation
    answered: list[int]
    skipped: list[int]


@transaction.atomic
def answer_recurring(*, regulation_id: int, actor: Any, **answer: Any) -> AnswerOnceResult:
    """The lead agency answers once for every member barrier it may answer now: each goes
    through ``answer_barrier`` (its own event, notification, survey and reaction); members in
    another state or led by another agency are skipped and listed."""
    require(actor, "recurring.answer")
    regulation = _locked_regulation(regulation_id)
    allowed = {"outcome", "body", "reason_code", "legal_basis", "plan_change", "plan_statute", "plan_due_on"}
    if set(answer) - allowed:
        raise ValidationFailed(_("알 수 없는 항목이 있습니다."), field=sorted(set(answer) - allowed)[0])
    answered: list[int] = []
    skipped: list[int] = []
    for barrier in Barrier.objects.filter(recurring_membership__regulation=regulation).order_by("pk"):
        if not (can_move(barrier.status, "answer") and can(actor, "barrier.answer", barrier)):
            skipped.append(barrier.pk)
            continue
        try:
            with transaction.atomic():
                barrier_services.answer_barrier(barrier_id=barrier.pk, actor=actor, **answer)
        except ValidationFailed:
            raise  # the answer itself is incomplete: it would be for every barrier
        except DomainError:
            skipped.append(barrier.pk)  # this barrier moved meanwhile; the others still get it
        else:
            answered.append(barrier.pk)
    if not answered:
        raise Conflict(_("지금 회신할 수 있는 규제 애로가 없습니다."), code="nothing_to_answer")
    return AnswerOnceResult(refresh_recurring(regulation_id=regulation.pk), answered, skipped)


def refresh_stale_recurring(*, limit: int = 50) -> int:
    """Refresh the recurring regulations whose figures may be out of date: a member barrier
    changed since (answered, co-signed, made public …) or the last refresh is a day old (days
    unresolved grow by themselves). Pages call this before reading; bounded per call."""
    day_ago = timezone.now() - dt.timedelta(days=1)
    stale = (
        RecurringRegulation.objects.exclude(status=RecurringStatus.MERGED)
        .filter(
            Q(refreshed_at__isnull=True)
            | Q(refreshed_at__lt=day_ago)
            | Q(memberships__barrier__updated_at__gt=F("refreshed_at"))
        )
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    ids = list(stale)
    for pk in ids:
        refresh_recurring(regulation_id=pk)
    return len(ids)


def refresh_all_recurring(*, as_of: dt.date | None = None) -> int:
    """Refresh every live recurring regulation (days unresolved grow by themselves); returns the count."""
    ids = list(RecurringRegulation.objects.exclude(status=RecurringStatus.MERGED).values_list("pk", flat=True))
    for pk in ids:
        refresh_recurring(regulation_id=pk, as_of=as_of)
    return len(ids)
