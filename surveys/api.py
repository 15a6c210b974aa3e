"""JSON API for the surveys app (mounted at /api/surveys by haechi/api.py).

Firm members list and answer their firm's surveys; the city team creates perception surveys,
invites firms and sends reminders. Aggregated results (shares with intervals) are served by
``/api/insights``; individual answers are never served here.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from accounts.api import ErrorOut
from accounts.permissions import require
from core.errors import ValidationFailed
from surveys import selectors, services
from surveys.models import TEXT_ANSWER_MAX, Invitation, Question, Survey
from surveys.tasks import send_reminders

router = Router(tags=["surveys"], auth=django_auth)


class ChoiceOut(Schema):
    value: str
    label: str


class QuestionOut(Schema):
    code: str
    kind: str
    text: str
    required: bool
    choices: list[ChoiceOut]


class InvitationOut(Schema):
    id: int
    survey_id: int
    kind: str
    title: str
    firm_id: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    answered: bool


class InvitationDetailOut(InvitationOut):
    questions: list[QuestionOut]


class AnswersIn(Schema):
    # {question code: 1–5 | true/false | choice value | text}
    answers: dict[str, int | bool | str | None] = Field(max_length=50)


class ResponseOut(Schema):
    id: int
    survey_id: int
    firm_id: int
    submitted_at: dt.datetime


class PerceptionSurveyIn(Schema):
    title: str = Field(max_length=200)
    title_en: str = Field("", max_length=200)
    period: str = Field("", max_length=40)
    opens_at: dt.datetime
    closes_at: dt.datetime


class SurveyOut(Schema):
    id: int
    kind: str
    title: str
    period: str
    opens_at: dt.datetime
    closes_at: dt.datetime


class InviteOut(Schema):
    invited: int


class QueuedOut(Schema):
    queued: bool


def _question_out(question: Question) -> QuestionOut:
    english = translation.get_language() == "en"
    return QuestionOut(
        code=question.code,
        kind=question.kind,
        text=question.text_en if english and question.text_en else question.text,
        required=question.required,
        choices=[
            ChoiceOut(value=c["value"], label=c.get("label_en") if english and c.get("label_en") else c["label"])
            for c in question.choices
        ],
    )


def _invitation_out(invitation: Invitation, *, answered: bool) -> InvitationOut:
    survey = invitation.survey
    return InvitationOut(
        id=invitation.pk,
        survey_id=survey.pk,
        kind=survey.kind,
        title=survey.title,
        firm_id=invitation.firm_id,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        answered=answered,
    )


@router.get("/invitations", response=list[InvitationOut], summary="내 기업이 답할 설문")
def pending(request: HttpRequest) -> list[InvitationOut]:
    return [_invitation_out(i, answered=False) for i in selectors.pending_invitations_for(request.user)[:200]]


@router.get("/invitations/{invitation_id}", response={200: InvitationDetailOut, 404: ErrorOut}, summary="설문 문항")
def invitation_detail(request: HttpRequest, invitation_id: int) -> InvitationDetailOut:
    invitation = selectors.invitation_for_user(request.user, invitation_id)
    base = _invitation_out(invitation, answered=selectors.has_response(invitation))
    return InvitationDetailOut(
        **base.model_dump(), questions=[_question_out(q) for q in invitation.survey.questions.all()]
    )


@router.post(
    "/invitations/{invitation_id}/response",
    response={201: ResponseOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="설문 응답 제출 (기업당 한 번, 수정 불가)",
)
def submit(request: HttpRequest, invitation_id: int, payload: AnswersIn) -> Status[ResponseOut]:
    invitation = selectors.invitation_for_user(request.user, invitation_id)
    for value in payload.answers.values():
        # Bounded before normalisation: a 1 MB "free text" is refused, not truncated.
        if isinstance(value, str) and len(value) > TEXT_ANSWER_MAX * 2:
            raise ValidationFailed(_("답변이 너무 깁니다."), code="invalid_answer")
    response = services.submit_response(invitation=invitation, user=request.user, answers=payload.answers)
    return Status(
        201,
        ResponseOut(
            id=response.pk, survey_id=response.survey_id, firm_id=response.firm_id, submitted_at=response.submitted_at
        ),
    )


@router.post(
    "/perception", response={201: SurveyOut, 400: ErrorOut, 403: ErrorOut}, summary="규제혁신 체감도 조사 만들기"
)
def create_perception(request: HttpRequest, payload: PerceptionSurveyIn) -> Status[Survey]:
    survey = services.create_perception_survey(
        actor=request.user,
        title=payload.title,
        title_en=payload.title_en,
        period=payload.period,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
    )
    return Status(201, survey)


@router.post(
    "/{survey_id}/invitations",
    response={200: InviteOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="등록 기업 모두 초대",
)
def invite(request: HttpRequest, survey_id: int) -> InviteOut:
    require(request.user, "survey.manage")
    survey = get_object_or_404(Survey, pk=survey_id)
    created = services.invite_firms(survey=survey, actor=request.user, link_base=request.build_absolute_uri("/")[:-1])
    return InviteOut(invited=created)


@router.post(
    "/{survey_id}/reminders", response={202: QueuedOut, 403: ErrorOut, 404: ErrorOut}, summary="독촉 (초대마다 1회)"
)
def remind(request: HttpRequest, survey_id: int) -> Status[QueuedOut]:
    require(request.user, "survey.manage")
    survey = get_object_or_404(Survey, pk=survey_id)
    send_reminders.enqueue(survey_id=survey.pk, link_base=request.build_absolute_uri("/")[:-1])
    return Status(202, QueuedOut(queued=True))
