import re

import pytest
from django.core import mail
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Invitation, Response
from surveys.tests.factories import invitation_for, open_perception_survey

FORM = {"rating": "positive", "reflected": "yes", "difficulty": "<script>alert(1)</script>"}


@pytest.fixture
def mailed_token(city_official, firm, firm_member, django_capture_on_commit_callbacks):
    survey = open_perception_survey(city_official)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_firms(survey=survey, firms=type(firm).objects.filter(pk=firm.pk))
    return re.search(r"/surveys/t/([^/\s]+)/", mail.outbox[0].body).group(1)


def test_token_link_asks_anonymous_visitors_to_sign_in(client, mailed_token):
    response = client.get(reverse("surveys:answer_by_token", args=[mailed_token]))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_firm_member_answers_once_through_the_link(client, firm_member, mailed_token):
    client.force_login(firm_member)
    url = reverse("surveys:answer_by_token", args=[mailed_token])
    page = client.get(url)
    assert page.status_code == 200 and "규제혁신 활동" in page.content.decode()
    response = client.post(url, FORM)
    assert response.status_code == 302
    assert Answer.objects.get(question__code="difficulty").text_value == "<script>alert(1)</script>"
    # The link works once.
    assert client.get(url).status_code == 409
    assert client.post(url, FORM).status_code == 409
    assert Response.objects.count() == 1


def test_link_does_not_work_for_another_firm(client, other_firm_member, mailed_token):
    client.force_login(other_firm_member)
    url = reverse("surveys:answer_by_token", args=[mailed_token])
    assert client.get(url).status_code == 404
    assert client.post(url, FORM).status_code == 404
    assert not Response.objects.exists()


def test_tampered_or_guessed_links_are_404(client, firm_member, mailed_token):
    client.force_login(firm_member)
    tampered = mailed_token[:-1] + ("B" if mailed_token.endswith("A") else "A")  # always a different token
    for token in (tampered, "1", "%2e%2e", "x" * 500):
        assert client.get(f"/surveys/t/{token}/").status_code == 404


def test_sequential_invitation_ids_do_not_open_other_firms_surveys(client, city_official, other_firm, firm_member):
    invitation = invitation_for(open_perception_survey(city_official), other_firm)
    client.force_login(firm_member)
    assert client.get(reverse("surveys:answer", args=[invitation.pk])).status_code == 404
    assert client.get(reverse("surveys:answer", args=[10**12])).status_code == 404


def test_missing_answer_rerenders_form_with_message(client, city_official, firm, firm_member):
    invitation = invitation_for(open_perception_survey(city_official), firm)
    client.force_login(firm_member)
    url = reverse("surveys:answer", args=[invitation.pk])
    response = client.post(url, {"reflected": "yes"})
    assert response.status_code == 400 and "이 질문에 답해 주세요" in response.content.decode()
    htmx = client.post(url, {"reflected": "yes"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and 'id="survey-form"' in htmx.content.decode()
    assert "<h1>" not in htmx.content.decode()
    assert not Response.objects.exists()


def test_htmx_submit_redirects_to_thanks(client, city_official, firm, firm_member):
    invitation = invitation_for(open_perception_survey(city_official), firm)
    client.force_login(firm_member)
    response = client.post(reverse("surveys:answer", args=[invitation.pk]), FORM, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("surveys:thanks", args=[invitation.pk])


def test_unsatisfied_firm_is_offered_the_second_answer_request(client, firm, firm_member):
    surveys = services.start_answer_survey(
        firm=firm, subject_type="barriers.barrieranswer", subject_id=5, subject_url="/barriers/5/"
    )
    invitation = Invitation.objects.get(survey=surveys.answer)
    client.force_login(firm_member)
    client.post(
        reverse("surveys:answer", args=[invitation.pk]),
        {"speed": "1", "clarity": "2", "fairness": "3", "usefulness": "2", "reflected": "no"},
    )
    page = client.get(reverse("surveys:thanks", args=[invitation.pk])).content.decode()
    assert 'href="/barriers/5/"' in page


def test_my_surveys_lists_only_my_firms_open_invitations(client, city_official, firm, other_firm, firm_member):
    survey = open_perception_survey(city_official)
    invitation_for(survey, firm)
    invitation_for(survey, other_firm)
    client.force_login(firm_member)
    page = client.get(reverse("surveys:mine")).content.decode()
    assert firm.name in page and other_firm.name not in page


@pytest.mark.parametrize("persona", ["firm_member", "agency_official", "association_staff", "outsider"])
def test_management_pages_are_for_the_city_team_only(client, city_official, persona, request):
    survey = open_perception_survey(city_official)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("surveys:manage")).status_code == 403
    assert client.get(reverse("surveys:comments", args=[survey.pk])).status_code == 403
    assert client.post(reverse("surveys:invite_all", args=[survey.pk])).status_code == 403
    assert not Invitation.objects.exists()


def test_city_official_creates_invites_and_reads_free_text(client, city_official, firm, firm_member):
    client.force_login(city_official)
    response = client.post(
        reverse("surveys:manage"),
        {"title": "2026 상반기 체감도", "period": "2026 상반기", "opens_on": "2026-01-01", "closes_on": "2099-12-31"},
    )
    assert response.status_code == 302
    invitation_survey = open_perception_survey(city_official)
    invitation = invitation_for(invitation_survey, firm)
    services.submit_response(invitation=invitation, user=firm_member, answers={**FORM})
    page = client.get(reverse("surveys:comments", args=[invitation_survey.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert client.get(reverse("surveys:manage")).status_code == 200


def test_inverted_period_is_a_clear_form_error(client, city_official):
    client.force_login(city_official)
    response = client.post(
        reverse("surveys:manage"), {"title": "x", "opens_on": "2026-05-01", "closes_on": "2026-04-01"}
    )
    assert response.status_code == 400 and "마감 시각은 시작 시각보다 뒤여야 합니다" in response.content.decode()
    bad_date = client.post(
        reverse("surveys:manage"), {"title": "x", "opens_on": "2025-02-30", "closes_on": "2026-04-01"}
    )
    assert bad_date.status_code == 400
