import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import hash_token
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from firms.tests.factories import FirmFactory
from surveys import services
from surveys.models import Answer, Invitation, Response, Survey, SurveyKind
from surveys.tests.factories import PERCEPTION_ANSWERS, invitation_for, open_perception_survey

pytestmark = pytest.mark.django_db(transaction=False)


def token_from(message) -> str:
    return re.search(r"/surveys/t/([^/\s]+)/", message.body).group(1)


def test_perception_survey_has_the_studys_questions(city_official):
    survey = open_perception_survey(city_official)
    assert survey.kind == SurveyKind.PERCEPTION
    assert [q.code for q in survey.questions.all()] == ["rating", "reflected", "difficulty"]


def test_only_the_city_team_creates_perception_surveys(firm_member):
    with pytest.raises(NotPermitted):
        open_perception_survey(firm_member)


def test_survey_must_close_after_it_opens(city_official):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        services.create_perception_survey(actor=city_official, title="x", opens_at=now, closes_at=now)
    assert exc.value.code == "invalid_period"
    assert not Survey.objects.exists()


def test_invite_firms_mails_each_member_a_single_use_link_stored_hashed(
    city_official, firm, firm_member, other_firm, django_capture_on_commit_callbacks
):
    survey = open_perception_survey(city_official)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite_firms(survey=survey, actor=city_official, link_base="https://haechi.example") == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [firm_member.email]
    token = token_from(mail.outbox[0])
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    invitation = Invitation.objects.get(survey=survey, firm=firm)
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert services.invitation_for_token(token) == invitation
    # Inviting again creates nothing and mails nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite_firms(survey=survey, actor=city_official) == 0
    assert len(mail.outbox) == 1


def test_unknown_or_oversized_token_finds_nothing(db):
    assert services.invitation_for_token("nope") is None
    assert services.invitation_for_token("x" * 10_000) is None
    assert services.invitation_for_token("") is None


def test_submit_response_stores_validated_answers(city_official, firm, firm_member):
    survey = open_perception_survey(city_official)
    invitation = invitation_for(survey, firm)
    answers = {**PERCEPTION_ANSWERS, "difficulty": "  망분리\u200b 규제\x00 "}
    response = services.submit_response(invitation=invitation, user=firm_member, answers=answers)
    stored = {a.question.code: a for a in Answer.objects.filter(response=response).select_related("question")}
    assert stored["rating"].choice_value == "negative"
    assert stored["reflected"].bool_value is False
    assert stored["difficulty"].text_value == "망분리 규제"


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({"reflected": "no"}, "answer_required", "rating"),
        ({**PERCEPTION_ANSWERS, "rating": "terrible"}, "invalid_answer", "rating"),
        ({**PERCEPTION_ANSWERS, "reflected": "maybe"}, "invalid_answer", "reflected"),
        ({**PERCEPTION_ANSWERS, "reflected": 1.5}, "invalid_answer", "reflected"),
        ({**PERCEPTION_ANSWERS, "rating": ["negative"]}, "invalid_answer", "rating"),
        ({**PERCEPTION_ANSWERS, "sneaky": "x"}, "unknown_question", "sneaky"),
        ({**PERCEPTION_ANSWERS, "difficulty": "가" * 2001}, "invalid_answer", "difficulty"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(city_official, firm, firm_member, answers, code, field):
    invitation = invitation_for(open_perception_survey(city_official), firm)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_response(invitation=invitation, user=firm_member, answers=answers)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_scale_answers_accept_1_to_5_only(firm, firm_member):
    surveys = services.start_answer_survey(firm=firm, subject_type="barriers.barrieranswer", subject_id=7)
    invitation = Invitation.objects.get(survey=surveys.answer)
    base = {"speed": 4, "clarity": "5", "fairness": 3, "usefulness": 1, "reflected": True}
    for bad in (0, 6, True, "٣", "4.0"):
        with pytest.raises(ValidationFailed):
            services.submit_response(invitation=invitation, user=firm_member, answers={**base, "speed": bad})
    services.submit_response(invitation=invitation, user=firm_member, answers=base)
    assert Answer.objects.get(question__code="clarity").scale_value == 5


def test_one_response_per_firm_even_from_a_colleague(city_official, firm, firm_member):
    from accounts.models import Role
    from accounts.tests.factories import MembershipFactory

    colleague = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user
    invitation = invitation_for(open_perception_survey(city_official), firm)
    services.submit_response(invitation=invitation, user=firm_member, answers=PERCEPTION_ANSWERS)
    with pytest.raises(Conflict) as exc:
        services.submit_response(invitation=invitation, user=colleague, answers=PERCEPTION_ANSWERS)
    assert exc.value.code == "already_answered"
    assert Response.objects.count() == 1


def test_database_refuses_a_second_response_row(city_official, firm, firm_member):
    invitation = invitation_for(open_perception_survey(city_official), firm)
    response = services.submit_response(invitation=invitation, user=firm_member, answers=PERCEPTION_ANSWERS)
    other = Invitation.objects.create(survey=response.survey, firm=FirmFactory())
    with pytest.raises(IntegrityError):
        Response.objects.create(survey=response.survey, firm=firm, invitation=other, submitted_at=timezone.now())


def test_another_firms_member_cannot_answer_and_learns_nothing(city_official, firm, other_firm_member):
    invitation = invitation_for(open_perception_survey(city_official), firm)
    with pytest.raises(NotFound):
        services.submit_response(invitation=invitation, user=other_firm_member, answers=PERCEPTION_ANSWERS)


def test_closed_and_future_surveys_refuse_answers(city_official, firm, firm_member):
    survey = open_perception_survey(city_official, days=1)
    invitation = invitation_for(survey, firm)
    with pytest.raises(Conflict) as exc:
        services.submit_response(
            invitation=invitation, user=firm_member, answers=PERCEPTION_ANSWERS, now=survey.closes_at
        )
    assert exc.value.code == "survey_closed"
    with pytest.raises(Conflict) as exc:
        services.submit_response(
            invitation=invitation, user=firm_member, answers=PERCEPTION_ANSWERS, now=survey.opens_at - dt.timedelta(1)
        )
    assert exc.value.code == "survey_not_open"


def test_reminder_is_sent_once_after_the_wait_and_never_after_a_response(
    city_official, firm, firm_member, other_firm, other_firm_member, django_capture_on_commit_callbacks
):
    survey = open_perception_survey(city_official)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_firms(survey=survey, actor=city_official)
    services.submit_response(
        invitation=Invitation.objects.get(firm=other_firm), user=other_firm_member, answers=PERCEPTION_ANSWERS
    )
    mail.outbox.clear()
    assert services.remind_unanswered(survey_id=survey.pk) == 0  # too early
    later = timezone.now() + dt.timedelta(days=8)
    assert services.remind_unanswered(survey_id=survey.pk, now=later) == 1
    assert services.remind_unanswered(survey_id=survey.pk, now=later + dt.timedelta(days=1)) == 0
    assert [m.to for m in mail.outbox] == [[firm_member.email]]
    assert "/surveys/" in mail.outbox[0].body and "/surveys/t/" not in mail.outbox[0].body


def test_send_reminders_task_runs_the_same_rule(city_official, firm, firm_member, django_capture_on_commit_callbacks):
    from surveys.tasks import send_reminders

    survey = open_perception_survey(city_official)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_firms(survey=survey, actor=city_official)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert send_reminders.enqueue(survey_id=survey.pk).return_value == 1
        assert send_reminders.enqueue(survey_id=survey.pk).return_value == 0


def test_start_answer_survey_is_idempotent_and_follows_up_after_six_weeks(
    firm, firm_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        surveys = services.start_answer_survey(
            firm=firm, subject_type="barriers.barrieranswer", subject_id=42, subject_url="/barriers/42/"
        )
    assert surveys.answer.kind == SurveyKind.ANSWER_SATISFACTION and surveys.followup.parent == surveys.answer
    assert [q.code for q in surveys.answer.questions.all()] == [
        "speed",
        "clarity",
        "fairness",
        "usefulness",
        "reflected",
        "comment",
    ]
    assert len(mail.outbox) == 1  # the follow-up is not open yet
    again = services.start_answer_survey(firm=firm, subject_type="barriers.barrieranswer", subject_id=42)
    assert again == surveys and Survey.objects.count() == 2
    with time_machine.travel(surveys.followup.opens_at + dt.timedelta(minutes=1)):
        assert services.send_due_invitations() == 1
        assert services.send_due_invitations() == 0
    assert len(mail.outbox) == 2 and "6주" in mail.outbox[1].subject + mail.outbox[1].body


@pytest.mark.parametrize(
    ("subject_type", "subject_id", "subject_url"),
    [
        ("", 1, ""),
        ("barriers.barrier", 0, ""),
        ("barriers.barrier", 1, "https://evil.example/"),
        ("barriers.barrier", 1, "//evil.example/"),
        ("barriers.barrier", 1, "javascript:alert(1)"),
        ("x" * 61, 1, ""),
    ],
)
def test_start_answer_survey_refuses_bad_subjects(firm, subject_type, subject_id, subject_url):
    with pytest.raises(ValidationFailed):
        services.start_answer_survey(
            firm=firm, subject_type=subject_type, subject_id=subject_id, subject_url=subject_url
        )
    assert not Survey.objects.exists()


def test_promulgation_survey_asks_once(firm):
    first = services.start_promulgation_survey(firm=firm, subject_type="barriers.barrier", subject_id=3)
    assert services.start_promulgation_survey(firm=firm, subject_type="barriers.barrier", subject_id=3) == first
    assert first.kind == SurveyKind.PROMULGATION and first.invitations.count() == 1
