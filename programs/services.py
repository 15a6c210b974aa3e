"""Writes for programs: applications and their states, and match notifications (once per firm)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from accounts.permissions import require
from core.errors import Conflict, NotFound, ValidationFailed
from core.text import normalize_text
from firms.models import Firm
from programs import matching, selectors
from programs.engine import CompiledPrograms
from programs.models import (
    ApplicationEvent,
    ApplicationStatus,
    ProgramApplication,
    ProgramNotice,
    SupportProgram,
)

logger = logging.getLogger(__name__)
S = ApplicationStatus
# The one table of allowed moves; terminal states have no way out.
ALLOWED: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.SELECTED, S.NOT_SELECTED, S.WITHDRAWN}),
    S.SELECTED: frozenset({S.COMPLETED, S.WITHDRAWN}),
    S.NOT_SELECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
DECISIONS = frozenset({S.SELECTED, S.NOT_SELECTED, S.COMPLETED})
MAX_NOTE = 2000


def _note(value: str) -> str:
    note = normalize_text(value or "")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("메모는 2,000자 이내로 적어 주세요."), field="note")
    return note


@transaction.atomic
def apply_to_program(
    *,
    program_id: int,
    firm: Firm,
    actor: Any,
    made_elsewhere: bool = False,
    applied_on: dt.date | None = None,
    note: str = "",
) -> ProgramApplication:
    """A firm applies (or records an application made elsewhere); only when eligible and, unless
    recorded from elsewhere, only while the program is open. One live application per firm."""
    require(actor, "program.apply", firm)
    # Lock the program row: two members of one firm may click at the same moment.
    program = SupportProgram.objects.select_for_update().filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("지원사업을 찾을 수 없습니다."))
    today = timezone.localdate()
    day = applied_on or today
    if day > today:
        raise ValidationFailed(_("신청일은 오늘 이후일 수 없습니다."), code="future_date", field="applied_on")
    if made_elsewhere:
        if not program.is_open(as_of=day, ignore_archive=True):
            raise Conflict(_("그 날짜에는 이 사업의 접수 기간이 아니었습니다."), code="outside_period")
    elif applied_on not in (None, today):
        raise ValidationFailed(_("이곳에서 신청할 때는 신청일을 지정할 수 없습니다."), field="applied_on")
    elif not program.is_open(as_of=today):
        raise Conflict(_("접수 기간이 아닙니다."), code="outside_period")
    # The period was checked above (an archived record counts as open on a past date it covered).
    match = selectors.explain(firm=firm, program=program, as_of=day, ignore_archive=made_elsewhere)
    if match.why_not:
        why = " ".join(match.why_not)
        raise ValidationFailed(_("신청 자격이 없습니다: %(why)s") % {"why": why}, code="not_eligible")
    if ProgramApplication.objects.filter(program=program, firm=firm).exclude(status=S.WITHDRAWN).exists():
        raise Conflict(_("이미 신청한 사업입니다."), code="already_applied")
    try:
        with transaction.atomic():
            application = ProgramApplication.objects.create(
                program=program,
                firm=firm,
                status=S.SUBMITTED,
                applied_on=day,
                made_elsewhere=made_elsewhere,
                note=_note(note),
                applicant=actor,
            )
    except IntegrityError as exc:  # the partial unique constraint: a concurrent second application
        raise Conflict(_("이미 신청한 사업입니다."), code="already_applied") from exc
    ApplicationEvent.objects.create(application=application, to_status=S.SUBMITTED, actor=actor, note=application.note)
    return application


def _move(application: ProgramApplication, *, to: str, actor: Any, note: str) -> None:
    if to not in ALLOWED[application.status]:
        raise Conflict(
            _("'%(current)s' 상태에서는 '%(target)s'(으)로 바꿀 수 없습니다.")
            % {"current": S(application.status).label, "target": S(to).label},
            code="transition_not_allowed",
        )
    ApplicationEvent.objects.create(
        application=application, from_status=application.status, to_status=to, actor=actor, note=note
    )
    application.status, application.status_changed_at = to, timezone.now()
    application.save(update_fields=["status", "status_changed_at", "updated_at"])


@transaction.atomic
def decide_application(*, application_id: int, to_status: str, actor: Any, note: str = "") -> ProgramApplication:
    """An official records selection, non-selection or completion."""
    application = ProgramApplication.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("신청을 찾을 수 없습니다."))
    require(actor, "application.decide", application)
    if to_status not in DECISIONS:
        raise ValidationFailed(_("알 수 없는 처리입니다."), field="status")
    _move(application, to=to_status, actor=actor, note=_note(note))
    return application


@transaction.atomic
def withdraw_application(*, application_id: int, actor: Any, note: str = "") -> ProgramApplication:
    """The firm withdraws its application (before completion)."""
    application = ProgramApplication.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("신청을 찾을 수 없습니다."))
    require(actor, "application.withdraw", application, hide=True)
    _move(application, to=S.WITHDRAWN, actor=actor, note=_note(note))
    return application


# -- notifications -------------------------------------------------------------------------------


def schedule_notices(*, program_ids: list[int]) -> None:
    """After the surrounding transaction commits, notify firms that match these programs."""
    transaction.on_commit(partial(notify_matching_firms, program_ids=list(program_ids)))


def notify_matching_firms(*, program_ids: list[int] | None = None, as_of: dt.date | None = None) -> int:
    """Create one notice per (program, firm) newly found eligible, and e-mail each firm once per run.

    The unique constraint makes a second run (or a concurrent one) a no-op for pairs already told.
    """
    day = as_of or timezone.localdate()
    programs = selectors.open_programs(as_of=day)
    if program_ids is not None:
        programs = programs.filter(pk__in=program_ids)
    rules = selectors.rules_for(programs)
    if not rules:
        return 0
    rule_pks = [r.pk for r in rules]
    told = set(ProgramNotice.objects.filter(program_id__in=rule_pks).values_list("program_id", "firm_id"))
    by_firm: dict[int, list[str]] = defaultdict(list)
    created = 0
    compiled = CompiledPrograms(rules)
    open_mask = compiled.open_mask(day)
    for firm_pk, profile in selectors.firm_profiles(Firm.objects.all()).items():
        eligible, _scores = compiled.scores(profile, as_of=day, open_mask=open_mask)
        for index in eligible.nonzero()[0]:
            rule = rules[index]
            assert rule.pk is not None
            if (rule.pk, firm_pk) in told:
                continue
            match = matching.evaluate(profile, rule, as_of=day)
            if not match.eligible:
                continue
            try:
                # One row per pair; a concurrent run that got there first wins and we stay silent.
                with transaction.atomic():
                    ProgramNotice.objects.create(
                        program_id=rule.pk, firm_id=firm_pk, score=match.score, reasons=match.reasons[:5]
                    )
            except IntegrityError:
                continue
            created += 1
            by_firm[firm_pk].append(rule.title)
    _mail_firms(by_firm)
    return created


def _mail_firms(by_firm: dict[int, list[str]]) -> None:
    members = Membership.objects.filter(role=Role.FIRM_MEMBER, is_active=True, firm_id__in=by_firm).select_related(
        "user"
    )
    for membership in members:
        if not membership.user.email or not membership.user.is_active:
            continue
        if membership.firm_id is None:
            continue
        titles = by_firm[membership.firm_id]
        body = _("귀사에 맞는 새 지원사업이 있습니다.\n\n") + "\n".join(f"- {t}" for t in titles[:20])
        try:
            send_mail(_("[해치] 새 지원사업 안내"), body, None, [membership.user.email])
        except Exception:  # mail failure must not undo the notices; the panel still shows them
            logger.exception("program notice mail failed for membership %s", membership.pk)


@transaction.atomic
def mark_notices_read(*, firm: Firm, actor: Any) -> int:
    require(actor, "program.view_matches", firm, hide=True)
    return ProgramNotice.objects.filter(firm=firm, read_at__isnull=True).update(read_at=timezone.now())
