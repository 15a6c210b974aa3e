"""Reads of the surveys app. Aggregates are plain counts; turning them into fair, suppressed rates
with intervals is the job of ``insights`` (which reads this module; this module never imports it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.permissions import require
from accounts.roles import roles_of
from core.errors import NotFound
from surveys.models import Answer, Invitation, QuestionKind, Response, Survey, SurveyKind


def pending_invitations_for(user: Any, *, now: dt.datetime | None = None) -> QuerySet[Invitation]:
    """Open, unanswered invitations of the user's firms (what the firm still has to answer)."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(
            firm_id__in=roles_of(user).firm_ids,
            response__isnull=True,
            survey__opens_at__lte=now,
            survey__closes_at__gt=now,
        )
        .select_related("survey", "firm")
        .order_by("survey__closes_at", "pk")
    )


def invitation_for_user(user: Any, invitation_id: int) -> Invitation:
    """One invitation the user may answer, or NotFound (other firms' invitations do not exist)."""
    invitation = Invitation.objects.select_related("survey", "firm").filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("찾을 수 없습니다.")
    require(user, "survey.answer", invitation, hide=True)
    return invitation


def has_response(invitation: Invitation) -> bool:
    return Response.objects.filter(invitation=invitation).exists()


def surveys_with_rates(*, kind: str | None = None) -> QuerySet[Survey]:
    """Surveys with ``invited`` and ``responded`` counts (for the city team's list)."""
    surveys = Survey.objects.annotate(
        invited=Count("invitations", distinct=True),
        responded=Count("responses", distinct=True),
        reminded=Count("invitations", filter=Q(invitations__reminded_at__isnull=False), distinct=True),
    )
    if kind:
        surveys = surveys.filter(kind=kind)
    return surveys.order_by("-opens_at", "-pk")


def latest_perception_survey(*, now: dt.datetime | None = None) -> Survey | None:
    """The most recent perception survey that has opened (closed or still running)."""
    now = now or timezone.now()
    return Survey.objects.filter(kind=SurveyKind.PERCEPTION, opens_at__lte=now).order_by("-opens_at", "-pk").first()


@dataclass(frozen=True)
class SurveyCounts:
    """What a survey yielded, as counts: invitations, responses, and answers per question value."""

    invited: int
    responded: int
    # {question code: Counter({value: n})}; values are "1".."5", "yes"/"no" or a choice value.
    answers: dict[str, Counter[str]]


def _value_of(row: dict[str, Any]) -> str | None:
    kind = row["question__kind"]
    if kind == QuestionKind.SCALE:
        return None if row["scale_value"] is None else str(row["scale_value"])
    if kind == QuestionKind.YES_NO:
        return None if row["bool_value"] is None else ("yes" if row["bool_value"] else "no")
    if kind == QuestionKind.CHOICE:
        return row["choice_value"] or None
    return None  # free text is never aggregated here


def survey_counts(*, surveys: QuerySet[Survey]) -> SurveyCounts:
    """Counts pooled over ``surveys`` (one survey, or every survey of a kind): three queries."""
    invited = Invitation.objects.filter(survey__in=surveys).count()
    responded = Response.objects.filter(survey__in=surveys).count()
    rows = (
        Answer.objects.filter(response__survey__in=surveys)
        .exclude(question__kind=QuestionKind.TEXT)
        .values("question__code", "question__kind", "scale_value", "bool_value", "choice_value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    answers: dict[str, Counter[str]] = {}
    for row in rows:
        value = _value_of(row)
        if value is not None:
            answers.setdefault(row["question__code"], Counter())[value] += row["n"]
    return SurveyCounts(invited=invited, responded=responded, answers=answers)


def free_text_answers(*, survey: Survey, viewer: Any) -> QuerySet[Answer]:
    """Individual free-text answers: the city team only (``survey.view_individual_answers``)."""
    require(viewer, "survey.view_individual_answers", survey)
    return (
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text_value="")
        .select_related("question", "response__firm")
        .order_by("question__position", "response__submitted_at")
    )


def is_unsatisfied(response: Response) -> bool:
    """Any scale answer of 1–2, or "not reflected": the firm is offered the second-answer request."""
    return Answer.objects.filter(response=response).filter(Q(scale_value__lte=2) | Q(bool_value=False)).exists()
