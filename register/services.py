"""Write side of the register: publish (after the redacted preview), mask more, withdraw.

**Redaction policy.** Everything the register shows of free text goes through
``core.redaction.redact`` with the official's extra phrases (``Publication.extra_terms``) and the
agency directory kept (``agency_keep_terms``): title, body and requested change at publication;
each answer's body, legal basis, plan and statute; each outcome-ledger note. Answers and ledger
notes that arrive *after* publication are masked automatically — by the same engine with the same
extra phrases — when the register first shows them (``mask_new_parts``); they are marked
``automatic`` and listed in the official's queue until an official publishes again (which
re-masks everything and marks it reviewed). Structured fields (outcome, reason code, stage, dates,
agency, sector) are shown as they are: they hold no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from barriers.models import Barrier, BarrierAnswer, OutcomeMilestone
from core.errors import Conflict, NotFound, ValidationFailed
from core.redaction import Redaction, agency_keep_terms, redact
from core.text import normalize_text
from register import search
from register.models import Publication, PublishedAnswer, PublishedMilestone
from register.selectors import is_publishable

MAX_EXTRA_TERMS = 50
MAX_TERM_LENGTH = 200
MAX_REASON = 2_000


def clean_extra_terms(terms: Iterable[str]) -> list[str]:
    """The official's extra phrases: normalised, distinct, in the order given; refused when too
    many or too long (a phrase of one character would mask every occurrence of it)."""
    cleaned: list[str] = []
    for raw in terms:
        term = normalize_text(str(raw or ""))
        if not term or term in cleaned:
            continue
        if len(term) < 2:
            raise ValidationFailed(_("가릴 표현은 두 글자 이상이어야 합니다: %(t)s") % {"t": term}, field="extra_terms")
        if len(term) > MAX_TERM_LENGTH:
            raise ValidationFailed(_("가릴 표현은 %(n)s자까지입니다.") % {"n": MAX_TERM_LENGTH}, field="extra_terms")
        cleaned.append(term)
    if len(cleaned) > MAX_EXTRA_TERMS:
        raise ValidationFailed(_("가릴 표현은 %(n)s개까지입니다.") % {"n": MAX_EXTRA_TERMS}, field="extra_terms")
    return cleaned


@dataclass(frozen=True)
class Preview:
    """What publishing would show, with what was masked where (for the official's preview)."""

    title: Redaction
    body: Redaction
    desired_change: Redaction
    extra_terms: tuple[str, ...]

    @property
    def mask_count(self) -> int:
        return len(self.title.spans) + len(self.body.spans) + len(self.desired_change.spans)


def _masker(extra_terms: Sequence[str]) -> Any:
    keep = agency_keep_terms()

    def mask(text: str) -> Redaction:
        return redact(text or "", extra_terms=extra_terms, keep_terms=keep)

    return mask


def preview_publication(*, barrier: Barrier, extra_terms: Iterable[str] = ()) -> Preview:
    """The redacted title, body and requested change, as they would be published (writes nothing)."""
    terms = clean_extra_terms(extra_terms)
    mask = _masker(terms)
    return Preview(
        title=mask(barrier.title),
        body=mask(barrier.body),
        desired_change=mask(barrier.desired_change),
        extra_terms=tuple(terms),
    )


def _locked(barrier_id: int) -> Barrier:
    barrier = Barrier.objects.select_for_update().filter(pk=barrier_id).first()
    if barrier is None:
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    return barrier


@transaction.atomic
def publish_barrier(*, barrier_id: int, actor: Any, extra_terms: Iterable[str] = ()) -> Publication:
    """Publish a triaged barrier whose filer allowed it, redacted, with the official's extra masks.

    Publishing again (to mask more, or after a withdrawal) re-masks every text with the new
    phrases and keeps the public id; every answer and ledger note counts as reviewed afterwards.
    """
    # Row lock: two officials publishing at once must not create two publications.
    barrier = _locked(barrier_id)
    require(actor, "register.publish", barrier)
    if not is_publishable(barrier):
        raise Conflict(
            _("기업이 공개를 허용하고 검토·분류를 마친 규제 애로만 공개할 수 있습니다."), code="not_publishable"
        )
    preview = preview_publication(barrier=barrier, extra_terms=extra_terms)
    now = timezone.now()
    fields = {
        "title": preview.title.text[:400],
        "body": preview.body.text,
        "desired_change": preview.desired_change.text,
        "extra_terms": list(preview.extra_terms),
        "mask_count": preview.mask_count,
        # Only the masked text is analysed: a masked name can never be found by searching for it.
        "search_tokens": search.index_tokens(preview.title.text, preview.body.text, preview.desired_change.text),
        "published_at": now,
        "published_by": actor,
        "updated_at": now,
        "withdrawn_at": None,
        "withdrawn_by": None,
        "withdrawal_reason": "",
    }
    publication = Publication.objects.filter(barrier=barrier).first()
    if publication is None:
        publication = Publication.objects.create(barrier=barrier, **fields)
    else:
        if publication.withdrawn_at is None:
            fields["published_at"] = publication.published_at  # masking more is not a new publication
            fields["published_by"] = publication.published_by
        for name, value in fields.items():
            setattr(publication, name, value)
        publication.save()
    _mask_parts(publication, barrier, extra_terms=preview.extra_terms, automatic=False, only_new=False)
    transaction.on_commit(_forget_cached_figures)
    return publication


@transaction.atomic
def withdraw_publication(*, barrier_id: int, actor: Any, reason: str) -> Publication:
    """Take a barrier out of the register (its permalink then answers 404); it may be published again."""
    publication = Publication.objects.select_for_update().filter(barrier_id=barrier_id).first()
    if publication is None or publication.withdrawn_at is not None:
        raise Conflict(_("공개 중인 규제 애로가 아닙니다."), code="not_published")
    require(actor, "register.withdraw", publication)
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationFailed(_("공개를 철회하는 사유를 적어 주세요."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("사유는 %(n)s자까지입니다.") % {"n": MAX_REASON}, field="reason")
    publication.withdrawn_at = timezone.now()
    publication.withdrawn_by = actor
    publication.withdrawal_reason = reason
    publication.updated_at = publication.withdrawn_at
    publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    transaction.on_commit(_forget_cached_figures)
    return publication


def _forget_cached_figures() -> None:
    """The register's cached total and years change with every publication and withdrawal."""
    cache.delete_many(["register:total", "register:years"])


def mask_new_parts(*, publication: Publication) -> int:
    """Mask, automatically, answers and ledger notes that arrived after publication; returns how
    many were masked. Safe to call on every page view: already-masked parts are skipped, and two
    views racing on the same new answer both end with the one stored copy."""
    barrier = publication.barrier
    pending_answers = BarrierAnswer.objects.filter(barrier=barrier, published__isnull=True).exists()
    pending_milestones = OutcomeMilestone.objects.filter(barrier=barrier, published__isnull=True).exists()
    if not (pending_answers or pending_milestones):
        return 0
    try:
        with transaction.atomic():
            return _mask_parts(
                publication, barrier, extra_terms=tuple(publication.extra_terms), automatic=True, only_new=True
            )
    except IntegrityError:
        return 0  # another request stored the same copies first


def _mask_parts(
    publication: Publication, barrier: Barrier, *, extra_terms: Sequence[str], automatic: bool, only_new: bool
) -> int:
    mask = _masker(extra_terms)
    now = timezone.now()
    done = 0
    answers = BarrierAnswer.objects.filter(barrier=barrier)
    milestones = OutcomeMilestone.objects.filter(barrier=barrier)
    if only_new:
        answers = answers.filter(published__isnull=True)
        milestones = milestones.filter(published__isnull=True)
    for answer in answers:
        values = {
            "publication": publication,
            "body": mask(answer.body).text,
            "legal_basis": mask(answer.legal_basis).text,
            "plan_change": mask(answer.plan_change).text,
            "plan_statute": mask(answer.plan_statute).text[:600],
            "automatic": automatic,
            "masked_at": now,
        }
        if only_new:
            PublishedAnswer.objects.create(answer=answer, **values)
        else:
            PublishedAnswer.objects.update_or_create(answer=answer, defaults=values)
        done += 1
    for milestone in milestones:
        values = {
            "publication": publication,
            "note": mask(milestone.note).text,
            "automatic": automatic,
            "masked_at": now,
        }
        if only_new:
            PublishedMilestone.objects.create(milestone=milestone, **values)
        else:
            PublishedMilestone.objects.update_or_create(milestone=milestone, defaults=values)
        done += 1
    return done
