"""Publication rules: only triaged barriers whose filer allowed it, published by a city official
after the redacted preview; extra masks; withdrawal; answers that arrive later."""

from __future__ import annotations

import pytest

from barriers import services as barrier_services
from barriers.models import Privacy
from core.errors import Conflict, NotPermitted, ValidationFailed
from register import selectors, services
from register.models import Publication, PublishedAnswer
from register.tests.conftest import answer, file_barrier, forward, triage

pytestmark = pytest.mark.django_db


def test_preview_masks_personal_data_and_keeps_what_readers_need(triaged):
    preview = services.preview_publication(barrier=triaged)

    body = preview.body.text
    assert "김철수" not in body and "010-1234-5678" not in body and "chulsoo@example.com" not in body
    assert "[전화번호]" in body and "[이메일]" in body and "[이름]" in body
    assert "도로교통법 제13조의2 제1항" in body and "3,000만원" in body
    assert preview.mask_count >= 3
    assert not Publication.objects.exists()  # a preview writes nothing


def test_extra_terms_mask_more_in_preview_and_publication(triaged, city_official):
    preview = services.preview_publication(barrier=triaged, extra_terms=["실증", "  "])
    assert "실증" not in preview.body.text and "[비공개]" in preview.body.text

    publication = services.publish_barrier(barrier_id=triaged.pk, actor=city_official, extra_terms=["서울 시내"])

    assert "서울 시내" not in publication.body and "[비공개]" in publication.body
    assert publication.extra_terms == ["서울 시내"]


@pytest.mark.parametrize("_case, terms", [("one character", ["김"]), ("too long", ["가" * 201])])
def test_bad_extra_terms_are_refused(triaged, _case, terms):
    with pytest.raises(ValidationFailed):
        services.preview_publication(barrier=triaged, extra_terms=terms)


def test_city_official_publishes_a_triaged_barrier(triaged, city_official):
    publication = services.publish_barrier(barrier_id=triaged.pk, actor=city_official)

    assert publication.published_by == city_official
    assert "010-1234-5678" not in publication.body
    assert publication.public_id and str(triaged.pk) != publication.public_id
    assert list(selectors.public_publications()) == [publication]


def test_submitted_barrier_cannot_be_published(firm, firm_member, city_official):
    barrier = file_barrier(firm, firm_member)

    with pytest.raises(Conflict) as exc:
        services.publish_barrier(barrier_id=barrier.pk, actor=city_official)
    assert exc.value.code == "not_publishable"


def test_private_barrier_cannot_be_published(firm, firm_member, city_official, agency):
    barrier = triage(file_barrier(firm, firm_member, privacy=Privacy.PRIVATE), city_official, agency)

    with pytest.raises(Conflict):
        services.publish_barrier(barrier_id=barrier.pk, actor=city_official)
    assert barrier.pk not in [b.pk for b in selectors.awaiting_publication()]


def test_barrier_closed_without_triage_cannot_be_published(firm, firm_member, city_official):
    barrier = file_barrier(firm, firm_member)
    barrier_services.close_barrier(barrier_id=barrier.pk, actor=city_official, note="중복 접수")

    with pytest.raises(Conflict):
        services.publish_barrier(barrier_id=barrier.pk, actor=city_official)


@pytest.mark.parametrize(
    "_case, persona",
    [("firm member", "firm_member"), ("agency official", "agency_official"), ("outsider", "outsider")],
)
def test_only_city_officials_publish(request, triaged, _case, persona):
    with pytest.raises(NotPermitted):
        services.publish_barrier(barrier_id=triaged.pk, actor=request.getfixturevalue(persona))
    assert not Publication.objects.exists()


def test_admin_may_publish(triaged, admin_user):
    assert services.publish_barrier(barrier_id=triaged.pk, actor=admin_user).pk


def test_triaged_barriers_wait_in_the_queue_until_published(triaged, city_official):
    assert [b.pk for b in selectors.awaiting_publication()] == [triaged.pk]

    services.publish_barrier(barrier_id=triaged.pk, actor=city_official)

    assert list(selectors.awaiting_publication()) == []


def test_publishing_again_masks_more_and_keeps_the_public_id(published, city_official):
    again = services.publish_barrier(barrier_id=published.barrier_id, actor=city_official, extra_terms=["배송 로봇"])

    assert again.pk == published.pk and again.public_id == published.public_id
    assert again.published_at == published.published_at
    assert "배송 로봇" not in again.body


def test_withdrawal_takes_it_out_and_it_can_come_back(published, city_official):
    services.withdraw_publication(barrier_id=published.barrier_id, actor=city_official, reason="기업 요청")
    assert list(selectors.public_publications()) == []
    assert [b.pk for b in selectors.awaiting_publication()] == [published.barrier_id]

    again = services.publish_barrier(barrier_id=published.barrier_id, actor=city_official)
    assert again.public_id == published.public_id and again.withdrawn_at is None
    assert list(selectors.public_publications()) == [again]


def test_withdrawal_needs_a_reason_a_publication_and_the_city(published, city_official, agency_official):
    with pytest.raises(ValidationFailed):
        services.withdraw_publication(barrier_id=published.barrier_id, actor=city_official, reason=" ")
    with pytest.raises(NotPermitted):
        services.withdraw_publication(barrier_id=published.barrier_id, actor=agency_official, reason="요청")
    services.withdraw_publication(barrier_id=published.barrier_id, actor=city_official, reason="요청")
    with pytest.raises(Conflict):
        services.withdraw_publication(barrier_id=published.barrier_id, actor=city_official, reason="요청")


def test_filer_withdrawal_takes_the_barrier_out_of_the_register(published, firm_member):
    barrier_services.withdraw_barrier(barrier_id=published.barrier_id, actor=firm_member, reason="해결됨")

    assert list(selectors.public_publications()) == []


def test_answers_existing_at_publication_are_masked_and_reviewed(triaged, city_official, agency_official):
    forward(triaged, city_official)
    answer(triaged, agency_official, body="담당자 이영희 주무관(02-2133-1234)이 검토했습니다.")

    publication = services.publish_barrier(barrier_id=triaged.pk, actor=city_official)

    (copy,) = selectors.public_answers(publication)
    assert "02-2133-1234" not in copy.body and "이영희" not in copy.body
    assert copy.legal_basis == "도로교통법 제13조의2"
    assert not PublishedAnswer.objects.filter(automatic=True).exists()


def test_answer_after_publication_is_masked_automatically_and_flagged(published, city_official, agency_official):
    forward(published.barrier, city_official)
    answer(published.barrier, agency_official, body="문의는 박민수 사무관 010-9876-5432로 하십시오.")
    assert selectors.public_answers(published) == []

    assert services.mask_new_parts(publication=published) == 1
    assert services.mask_new_parts(publication=published) == 0  # once only

    (copy,) = selectors.public_answers(published)
    assert "010-9876-5432" not in copy.body and "박민수" not in copy.body
    assert list(selectors.needing_review()) == [published]

    services.publish_barrier(barrier_id=published.barrier_id, actor=city_official)
    assert list(selectors.needing_review()) == []


def test_extra_terms_also_mask_later_answers(triaged, city_official, agency_official):
    publication = services.publish_barrier(barrier_id=triaged.pk, actor=city_official, extra_terms=["해치로보틱스"])
    forward(triaged, city_official)
    answer(triaged, agency_official, body="해치로보틱스의 요청은 검토가 필요합니다.")

    services.mask_new_parts(publication=publication)

    (copy,) = selectors.public_answers(publication)
    assert "해치로보틱스" not in copy.body and "[비공개]" in copy.body


def test_search_tokens_come_from_the_masked_text_only(published):
    assert "김철수" not in published.search_tokens
    assert "로봇" in published.search_tokens.split()
