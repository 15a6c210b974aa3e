"""Writes of the surveys app: create surveys, invite firms, send mail, take responses.

Keyword-only, one transaction each. Permission checks happen here when an ``actor`` is given;
system callers (the barriers workflow starting an answer survey) pass no actor, having checked
their own rules.

**Responses are final.** A firm answers once; it cannot edit its response, even before the survey
closes. Reasons: the e-mailed link must work once and only for its firm (issue 8, "survey replay
or tampering"); an answer-satisfaction response is a snapshot of how the firm felt when the answer
came, and the 6-week follow-up asks again; and published interim figures never shift under
readers' feet because someone re-answered. A firm that answered by mistake asks the city team,
who may delete the response in the admin (it is then reported as not answered).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, hash_token
from accounts.permissions import require
from core.errors import Conflict, ValidationFailed
from core.text import is_blank, normalize_identifier, normalize_text
from firms.models import Firm
from surveys import questionnaires
from surveys.errors import SurveyErrorCode as Code
from surveys.models import TEXT_ANSWER_MAX, Answer, Invitation, Question, QuestionKind, Response, Survey, SurveyKind

ANSWER_SURVEY_OPEN_DAYS = 30
FOLLOWUP_AFTER_DAYS = 42  # "again 6 weeks later"
TITLE_MAX = 200
SUBJECT_TYPE_MAX = 60


def _site_url() -> str:
    # Absolute links in e-mails need the public address; a deployment sets HAECHI_SITE_URL.
    return str(getattr(settings, "HAECHI_SITE_URL", "")).rstrip("/")


def _clean_title(value: str, *, field: str = "title") -> str:
    title = normalize_identifier(value or "")
    if not title:
        raise ValidationFailed(_("제목을 입력하세요."), field=field)
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("제목은 %(n)s자 이하로 입력하세요.") % {"n": TITLE_MAX}, field=field)
    return title


def _create_survey(
    *,
    kind: str,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    title_en: str = "",
    period: str = "",
    subject_type: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    subject_url: str = "",
    parent: Survey | None = None,
    created_by: Any = None,
) -> Survey:
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ValidationFailed(_("시각에 시간대가 없습니다."), code=Code.INVALID_PERIOD, field="opens_at")
    if closes_at <= opens_at:
        raise ValidationFailed(
            _("마감 시각은 시작 시각보다 뒤여야 합니다."), code=Code.INVALID_PERIOD, field="closes_at"
        )
    survey = Survey.objects.create(
        kind=kind,
        title=_clean_title(title),
        title_en=normalize_identifier(title_en or "")[:TITLE_MAX],
        period=normalize_identifier(period or "")[:40],
        opens_at=opens_at,
        closes_at=closes_at,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=normalize_identifier(subject_label or "")[:TITLE_MAX],
        subject_url=subject_url,
        parent=parent,
        created_by=created_by,
    )
    specs = questionnaires.BY_KIND[kind].questions
    Question.objects.bulk_create(
        [Question(survey=survey, **spec.as_fields(position)) for position, spec in enumerate(specs, start=1)]
    )
    return survey


@transaction.atomic
def create_perception_survey(
    *,
    actor: Any,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    period: str = "",
    title_en: str = "",
) -> Survey:
    """A periodic perception survey (규제혁신 체감도) of registered firms, like the founding study's."""
    require(actor, "survey.manage")
    return _create_survey(
        kind=SurveyKind.PERCEPTION,
        title=title,
        title_en=title_en,
        period=period,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )


@transaction.atomic
def invite_firms(*, survey: Survey, firms: QuerySet[Firm] | None = None, actor: Any = None, link_base: str = "") -> int:
    """Invite firms (default: every registered firm) not yet invited; mail goes out after commit.

    Returns how many invitations were created. Inviting again is harmless: each firm is invited
    once per survey (database constraint), and each invitation is mailed once.
    """
    if actor is not None:
        require(actor, "survey.manage")
    if survey.closes_at <= timezone.now():
        raise Conflict(_("마감된 조사입니다."), code=Code.SURVEY_CLOSED)
    candidates = (firms if firms is not None else Firm.objects.all()).exclude(survey_invitations__survey=survey)
    created = Invitation.objects.bulk_create(
        [Invitation(survey=survey, firm_id=firm_id) for firm_id in candidates.values_list("pk", flat=True)],
        ignore_conflicts=True,  # a concurrent call invited the same firm: one row stands
    )
    transaction.on_commit(partial(_enqueue_invitations, survey_id=survey.pk, link_base=link_base))
    return len(created)


def _enqueue_invitations(*, survey_id: int, link_base: str) -> None:
    from surveys.tasks import send_invitations

    send_invitations.enqueue(survey_id=survey_id, link_base=link_base)


def _firm_member_emails(firm_id: int) -> list[str]:
    return list(
        Membership.objects.filter(role=Role.FIRM_MEMBER, firm_id=firm_id, is_active=True, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )


def send_due_invitations(*, survey_id: int | None = None, now: dt.datetime | None = None, link_base: str = "") -> int:
    """Mail each unsent invitation of an open survey once, with a fresh single-use link.

    The token exists only in the e-mail; the database keeps its SHA-256. A worker claims an
    invitation by a compare-and-swap update, so two workers never mail the same firm twice.
    """
    now = now or timezone.now()
    base = (link_base or _site_url()).rstrip("/")
    due = Invitation.objects.filter(sent_at__isnull=True, survey__opens_at__lte=now, survey__closes_at__gt=now)
    if survey_id is not None:
        due = due.filter(survey_id=survey_id)
    sent = 0
    for invitation in due.select_related("survey").order_by("pk").iterator():
        token = secrets.token_urlsafe(32)  # 256 bits
        claimed = Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=now, token_hash=hash_token(token)
        )
        if not claimed:
            continue
        recipients = _firm_member_emails(invitation.firm_id)
        if recipients:
            _mail(
                subject=_("[해치] 설문 참여 요청: %(title)s") % {"title": invitation.survey.title},
                body=_(
                    "아래 링크에서 설문에 답해 주세요. "
                    "링크는 귀사만 한 번 쓸 수 있으며 %(closes)s에 마감됩니다.\n\n%(link)s"
                )
                % {
                    "closes": timezone.localtime(invitation.survey.closes_at).strftime("%Y-%m-%d %H:%M"),
                    "link": base + reverse("surveys:answer_by_token", args=[token]),
                },
                recipients=recipients,
            )
        sent += 1
    return sent


def remind_unanswered(*, survey_id: int | None = None, now: dt.datetime | None = None, link_base: str = "") -> int:
    """Send the one reminder an invitation may get: sent long enough ago, unanswered, survey open.

    The reminder links to the firm's survey list (sign-in required), not to a new token, so the
    first link stays the only one. ``reminded_at`` is claimed by compare-and-swap: at most once.
    """
    now = now or timezone.now()
    base = (link_base or _site_url()).rstrip("/")
    candidates = Invitation.objects.filter(
        sent_at__isnull=False,
        reminded_at__isnull=True,
        response__isnull=True,
        survey__opens_at__lte=now,
        survey__closes_at__gt=now,
    ).select_related("survey")
    if survey_id is not None:
        candidates = candidates.filter(survey_id=survey_id)
    reminded = 0
    for invitation in candidates.order_by("pk").iterator():
        assert invitation.sent_at is not None
        if invitation.sent_at + dt.timedelta(days=invitation.survey.remind_after_days) > now:
            continue
        claimed = Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True, response__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        recipients = _firm_member_emails(invitation.firm_id)
        if recipients:
            _mail(
                subject=_("[해치] 설문 마감 전 안내: %(title)s") % {"title": invitation.survey.title},
                body=_("아직 응답하지 않은 설문이 있습니다. 로그인한 뒤 아래 주소에서 답해 주세요.\n\n%(link)s")
                % {"link": base + reverse("surveys:mine")},
                recipients=recipients,
            )
        reminded += 1
    return reminded


def _mail(*, subject: str, body: str, recipients: list[str]) -> None:
    # One message per person: members of one firm do not see each other's addresses.
    for email in recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind an e-mailed link (any state), or None for an unknown link."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("survey", "firm").filter(token_hash=hash_token(token)).first()


# -- responses -------------------------------------------------------------------------------


def _scale(question: Question, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError
    return value


_YES = {"yes", "true", "y", "1", "예"}
_NO = {"no", "false", "n", "0", "아니오"}


def _yes_no(question: Question, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = normalize_identifier(value).lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    raise ValueError


def _choice(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError
    word = normalize_identifier(value)
    if word not in question.choice_values():
        raise ValueError
    return word


def _text(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError
    text = normalize_text(value)
    if len(text) > TEXT_ANSWER_MAX:
        raise ValidationFailed(
            _("%(n)s자 이하로 입력하세요.") % {"n": TEXT_ANSWER_MAX}, code=Code.INVALID_ANSWER, field=question.code
        )
    return text


_FIELD_FOR_KIND = {
    QuestionKind.SCALE: ("scale_value", _scale),
    QuestionKind.YES_NO: ("bool_value", _yes_no),
    QuestionKind.CHOICE: ("choice_value", _choice),
    QuestionKind.TEXT: ("text_value", _text),
}


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and is_blank(value))


def validate_answers(*, questions: Iterable[Question], answers: Mapping[str, object]) -> dict[Question, dict[str, Any]]:
    """Every answer checked against its question; unknown codes and missing required ones refused."""
    by_code = {q.code: q for q in questions}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise ValidationFailed(
            _("알 수 없는 질문입니다: %(codes)s") % {"codes": ", ".join(c[:40] for c in unknown[:5])},
            code=Code.UNKNOWN_QUESTION,
            field=str(unknown[0])[:40],
        )
    cleaned: dict[Question, dict[str, Any]] = {}
    for code, question in by_code.items():
        raw = answers.get(code)
        if _is_empty(raw):
            if question.required:
                raise ValidationFailed(_("이 질문에 답해 주세요."), code=Code.ANSWER_REQUIRED, field=code)
            continue
        field, parse = _FIELD_FOR_KIND[QuestionKind(question.kind)]
        try:
            value = parse(question, raw)
        except ValueError:
            raise ValidationFailed(_("답변 형식이 올바르지 않습니다."), code=Code.INVALID_ANSWER, field=code) from None
        if question.kind == QuestionKind.TEXT and not value:
            continue
        cleaned[question] = {field: value}
    return cleaned


@transaction.atomic
def submit_response(
    *, invitation: Invitation, user: Any, answers: Mapping[str, object], now: dt.datetime | None = None
) -> Response:
    """Take the firm's one response: every answer validated, all stored in one transaction."""
    require(user, "survey.answer", invitation, hide=True)
    now = now or timezone.now()
    # Lock the invitation: two colleagues submitting at once queue here; the second sees the first.
    invitation = Invitation.objects.select_for_update().select_related("survey").get(pk=invitation.pk)
    survey = invitation.survey
    if now < survey.opens_at:
        raise Conflict(_("아직 시작하지 않은 조사입니다."), code=Code.SURVEY_NOT_OPEN)
    if now >= survey.closes_at:
        raise Conflict(_("마감된 조사입니다."), code=Code.SURVEY_CLOSED)
    if Response.objects.filter(survey=survey, firm_id=invitation.firm_id).exists():
        raise Conflict(_("이 조사에는 이미 귀사의 응답이 있습니다."), code=Code.ALREADY_ANSWERED)
    cleaned = validate_answers(questions=survey.questions.all(), answers=answers)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey, firm_id=invitation.firm_id, invitation=invitation, submitted_by=user, submitted_at=now
            )
    except IntegrityError:
        raise Conflict(_("이 조사에는 이미 귀사의 응답이 있습니다."), code=Code.ALREADY_ANSWERED) from None
    Answer.objects.bulk_create([Answer(response=response, question=q, **values) for q, values in cleaned.items()])
    return response


# -- surveys about one thing (called by the barriers workflow) --------------------------------


@dataclass(frozen=True)
class AnswerSurveys:
    answer: Survey
    followup: Survey | None  # None only if the city team deleted it


def _clean_subject(subject_type: str, subject_id: int, subject_url: str) -> tuple[str, str]:
    kind = normalize_identifier(subject_type or "").lower()
    if not kind or len(kind) > SUBJECT_TYPE_MAX or not isinstance(subject_id, int) or subject_id <= 0:
        raise ValidationFailed(_("조사 대상이 올바르지 않습니다."), code=Code.INVALID_SUBJECT, field="subject")
    url = (subject_url or "").strip()
    # Only a path on this site: never an absolute or scheme-relative URL (open redirect, javascript:).
    if url and (not url.startswith("/") or url.startswith("//") or len(url) > 300):
        raise ValidationFailed(
            _("대상 주소는 사이트 안 경로여야 합니다."), code=Code.INVALID_SUBJECT, field="subject_url"
        )
    return kind, url


@transaction.atomic
def start_answer_survey(
    *,
    firm: Firm,
    subject_type: str,
    subject_id: int,
    subject_label: str = "",
    subject_url: str = "",
    answered_at: dt.datetime | None = None,
    link_base: str = "",
) -> AnswerSurveys:
    """When an answer is given: a satisfaction survey now and a follow-up six weeks later.

    ``subject_type``/``subject_id`` name what was answered (e.g. ``"barriers.barrieranswer"``, 42);
    ``subject_url`` is a path shown to an unsatisfied firm (the second-answer request). Calling it
    again for the same subject returns the surveys already started. Mail goes out after commit;
    the follow-up's invitation is mailed by the periodic sweep once it opens.
    """
    kind, url = _clean_subject(subject_type, subject_id, subject_url)
    existing = Survey.objects.filter(
        kind=SurveyKind.ANSWER_SATISFACTION, subject_type=kind, subject_id=subject_id
    ).first()
    if existing is not None:
        return AnswerSurveys(answer=existing, followup=existing.followups.filter(kind=SurveyKind.FOLLOWUP).first())
    start = answered_at or timezone.now()
    label = subject_label or f"{kind} #{subject_id}"
    answer = _create_survey(
        kind=SurveyKind.ANSWER_SATISFACTION,
        title=_("회신 만족도 조사: %(label)s") % {"label": label},
        opens_at=start,
        closes_at=start + dt.timedelta(days=ANSWER_SURVEY_OPEN_DAYS),
        subject_type=kind,
        subject_id=subject_id,
        subject_label=label,
        subject_url=url,
    )
    followup_opens = start + dt.timedelta(days=FOLLOWUP_AFTER_DAYS)
    followup = _create_survey(
        kind=SurveyKind.FOLLOWUP,
        title=_("회신 6주 후 조사: %(label)s") % {"label": label},
        opens_at=followup_opens,
        closes_at=followup_opens + dt.timedelta(days=ANSWER_SURVEY_OPEN_DAYS),
        subject_type=kind,
        subject_id=subject_id,
        subject_label=label,
        subject_url=url,
        parent=answer,
    )
    firms = Firm.objects.filter(pk=firm.pk)
    invite_firms(survey=answer, firms=firms, link_base=link_base)
    Invitation.objects.create(survey=followup, firm=firm)
    return AnswerSurveys(answer=answer, followup=followup)


@transaction.atomic
def start_promulgation_survey(
    *,
    firm: Firm,
    subject_type: str,
    subject_id: int,
    subject_label: str = "",
    subject_url: str = "",
    promulgated_at: dt.datetime | None = None,
    link_base: str = "",
) -> Survey:
    """When an accepted change is promulgated (공포): ask the firm whether it resolved its difficulty."""
    kind, url = _clean_subject(subject_type, subject_id, subject_url)
    existing = Survey.objects.filter(kind=SurveyKind.PROMULGATION, subject_type=kind, subject_id=subject_id).first()
    if existing is not None:
        return existing
    start = promulgated_at or timezone.now()
    label = subject_label or f"{kind} #{subject_id}"
    survey = _create_survey(
        kind=SurveyKind.PROMULGATION,
        title=_("개정 공포 후 조사: %(label)s") % {"label": label},
        opens_at=start,
        closes_at=start + dt.timedelta(days=ANSWER_SURVEY_OPEN_DAYS),
        subject_type=kind,
        subject_id=subject_id,
        subject_label=label,
        subject_url=url,
    )
    invite_firms(survey=survey, firms=Firm.objects.filter(pk=firm.pk), link_base=link_base)
    return survey
