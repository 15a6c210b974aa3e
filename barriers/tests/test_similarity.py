"""Search before filing: similar public barriers and the firm's own, never other firms' private
ones, redacted, and offered for co-signing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.testing import signed_in_client
from barriers import similarity
from barriers.models import Privacy
from barriers.tests.factories import barrier_in
from firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

ROBOT_TITLE = "배송 로봇 보도 통행 금지로 실증 불가"
ROBOT_BODY = (
    "자율주행 배송 로봇이 도로교통법상 차로 분류되어 보도를 다닐 수 없습니다. 아파트 단지 배송 실증이 막혔습니다."
)


@pytest.fixture
def corpus(firm, other_firm, sectors):
    """Barriers of another firm in every visibility, one of the firm's own, and unrelated noise."""
    return {
        "public": barrier_in("triaged", firm=other_firm, title=ROBOT_TITLE, body=ROBOT_BODY),
        "private": barrier_in(
            "triaged", firm=other_firm, title=ROBOT_TITLE + " (비공개)", body=ROBOT_BODY, privacy=Privacy.PRIVATE
        ),
        "draft": barrier_in("draft", firm=other_firm, title=ROBOT_TITLE + " 초안", body=ROBOT_BODY),
        "untriaged": barrier_in("submitted", firm=other_firm, title=ROBOT_TITLE + " 접수", body=ROBOT_BODY),
        "withdrawn": barrier_in("withdrawn", firm=other_firm, title=ROBOT_TITLE + " 취하", body=ROBOT_BODY),
        "own_private": barrier_in(
            "draft", firm=firm, title="배달 로봇 보도 주행 허용 요청", body=ROBOT_BODY, privacy=Privacy.PRIVATE
        ),
        "noise": barrier_in(
            "triaged",
            firm=FirmFactory(),
            title="원격진료 플랫폼 처방전 전송 제한",
            body="비대면 진료 후 약국으로 처방전을 전자 전송할 수 없어 환자 불편이 큽니다.",
        ),
    }


def test_finds_public_and_own_but_never_others_private(corpus, firm, firm_member):
    results = similarity.similar_barriers(
        user=firm_member, firm=firm, title="배송로봇 보도 통행", body="로봇이 보도를 다닐 수 없어 배송 실증을 못 합니다"
    )
    ids = [r.barrier_id for r in results]
    assert corpus["public"].pk in ids and corpus["own_private"].pk in ids
    for hidden in ("private", "draft", "untriaged", "withdrawn"):
        assert corpus[hidden].pk not in ids, hidden
    assert corpus["noise"].pk not in ids
    by_id = {r.barrier_id: r for r in results}
    assert by_id[corpus["public"].pk].can_cosign and not by_id[corpus["public"].pk].own
    assert by_id[corpus["own_private"].pk].own and not by_id[corpus["own_private"].pk].can_cosign


def test_firm_the_user_cannot_file_for_is_ignored(corpus, other_firm, firm_member):
    """A client naming another firm does not get that firm's private barriers."""
    results = similarity.similar_barriers(user=firm_member, firm=other_firm, title=ROBOT_TITLE, body=ROBOT_BODY)
    ids = {r.barrier_id for r in results}
    assert corpus["private"].pk not in ids and corpus["draft"].pk not in ids
    assert corpus["public"].pk in ids


def test_other_firms_text_is_redacted_and_unnamed(other_firm, firm, firm_member, sectors):
    barrier_in(
        "closed",
        firm=other_firm,
        title="배송 로봇 보도 통행 제한 문의",
        body="배송 로봇 보도 통행 관련 담당자 010-9876-5432 로 연락 바랍니다. 로봇 실증이 막혀 있습니다.",
        privacy=Privacy.PUBLIC_NAMED,
    )
    results = similarity.similar_barriers(user=firm_member, firm=firm, title="배송 로봇 보도 통행", body="")
    assert results
    assert all("010-9876-5432" not in r.snippet for r in results)
    assert all(other_firm.name not in r.title + r.snippet for r in results)


def test_too_little_text_searches_nothing(corpus, firm, firm_member):
    assert similarity.similar_barriers(user=firm_member, firm=firm, title="로봇", body="") == []


def test_key_terms_cut_particles_and_keep_compound_heads():
    terms = similarity.key_terms("배송로봇이 보도에서 다닐 수 없습니다")
    assert "배송로봇" in terms and "로봇" in terms and "보도" in terms
    assert "없습니다" not in terms


def test_excludes_the_draft_being_written(corpus, firm, firm_member):
    own = corpus["own_private"]
    results = similarity.similar_barriers(
        user=firm_member, firm=firm, title=own.title, body=own.body, exclude_id=own.pk
    )
    assert own.pk not in {r.barrier_id for r in results}


def test_htmx_fragment(corpus, firm, firm_member, other_firm_member):
    client = signed_in_client(firm_member)
    answer = client.post(
        reverse("barriers:similar"), {"title": ROBOT_TITLE, "body": ROBOT_BODY, "firm": firm.pk}, HTTP_HX_REQUEST="true"
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "비슷한 규제 애로가 있습니다" in page
    assert reverse("barriers:public", args=[corpus["public"].pk]) in page
    assert "(비공개)" not in page
    # Another firm's member asking with this firm's id sees no private barrier of it.
    other = signed_in_client(other_firm_member).post(
        reverse("barriers:similar"), {"title": "배달 로봇 보도 주행 허용", "body": ROBOT_BODY, "firm": firm.pk}
    )
    assert "배달 로봇 보도 주행 허용 요청" not in other.content.decode()


def test_filing_page_carries_the_search(firm_member):
    page = signed_in_client(firm_member).get(reverse("barriers:new")).content.decode()
    assert 'id="similar-barriers"' in page and "keyup changed delay:500ms" in page


def test_api_similar(corpus, firm, firm_member):
    answer = signed_in_client(firm_member).post(
        "/api/barriers/search/similar",
        {"title": ROBOT_TITLE, "body": ROBOT_BODY, "firm_id": firm.pk},
        content_type="application/json",
    )
    assert answer.status_code == 200
    ids = {r["barrier_id"] for r in answer.json()}
    assert corpus["public"].pk in ids and corpus["private"].pk not in ids
