"""The public register's pages, feeds and CSV: anonymous access, search, filters, sort, overdue
flags, k-anonymity, and that nothing unpublished ever shows."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from barriers.models import Privacy
from firms.models import SizeClass
from firms.tests.factories import FirmFactory
from register import selectors, services
from register.tests.conftest import answer, file_barrier, forward, triage

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def publish(firm, member, official, agency, *, title, body=None, sectors=("robots",), **fields):
    barrier = file_barrier(
        firm, member, title=title, body=body or f"{title}에 관한 규제 애로입니다. " * 3, sectors=sectors, **fields
    )
    triage(barrier, official, agency)
    return services.publish_barrier(barrier_id=barrier.pk, actor=official)


@pytest.fixture
def register_rows(firm, firm_member, city_official, agency, other_agency, agency_official):
    """Three published barriers in different sectors and agencies, and three that must never show."""
    drone = publish(firm, firm_member, city_official, agency, title="드론 비행 승인 절차", sectors=("mobility",))
    telemed = publish(
        firm, firm_member, city_official, other_agency, title="원격의료 플랫폼 허용", sectors=("biohealth",)
    )
    robot = publish(firm, firm_member, city_official, agency, title="배송 로봇 보도 통행")
    forward(robot.barrier, city_official)
    answer(robot.barrier, agency_official)
    hidden = {
        "unpublished": triage(file_barrier(firm, firm_member, title="미공개 드론 택시 실증"), city_official, agency),
        "private": triage(
            file_barrier(firm, firm_member, title="비공개 드론 보험", privacy=Privacy.PRIVATE), city_official, agency
        ),
    }
    withdrawn = publish(firm, firm_member, city_official, agency, title="철회된 드론 배송 특례", sectors=("mobility",))
    services.withdraw_publication(barrier_id=withdrawn.barrier_id, actor=city_official, reason="기업 요청")
    hidden["withdrawn"] = withdrawn.barrier
    return {"drone": drone, "telemed": telemed, "robot": robot, "hidden": hidden, "withdrawn": withdrawn}


def titles(response):
    return [row.publication.title for row in response.context["rows"]]


def csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_anonymous_visitor_reads_the_register(client, register_rows):
    response = client.get(reverse("register:index"))

    assert response.status_code == 200
    assert set(titles(response)) == {"드론 비행 승인 절차", "원격의료 플랫폼 허용", "배송 로봇 보도 통행"}
    assert response.context["page"].paginator.count == 3


def test_detail_permalink_shows_redacted_text_answer_reason_and_dates(client, register_rows):
    robot = register_rows["robot"]

    response = client.get(reverse("register:detail", args=[robot.public_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "배송 로봇 보도 통행" in html
    assert "010-1234-5678" not in html and "김철수" not in html and "chulsoo@example.com" not in html
    assert "현행 도로교통법상 보도 통행은 허용되지 않습니다." in html
    assert "안전 우려" in html and "도로교통법 제13조의2" in html and "수용곤란" in html
    assert robot.barrier.firm.name not in html  # filed "without firm name"
    assert client.get(reverse("register:detail", args=[robot.public_id.lower()])).status_code == 200


def test_nothing_unpublished_shows_anywhere(client, register_rows, sectors):
    hidden_titles = ["미공개 드론 택시 실증", "비공개 드론 보험", "철회된 드론 배송 특례"]
    pages = [
        client.get(reverse("register:index")),
        client.get(reverse("register:index"), {"q": "드론"}),
        client.get(reverse("register:index"), {"sector": "robots"}),
        client.get(reverse("register:export_csv")),
        client.get(reverse("register:export_csv"), {"q": "드론"}),
        client.get(reverse("register:sector_feed", args=["mobility"])),
        client.get(reverse("register:sector_feed", args=["robots"])),
        client.get(reverse("register:agency_feed", args=[register_rows["drone"].barrier.lead_agency.code])),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig")
        for title in hidden_titles:
            assert title not in body
    search = client.get(reverse("register:index"), {"q": "드론"})
    assert titles(search) == ["드론 비행 승인 절차"]
    assert search.context["page"].paginator.count == 1
    withdrawn = register_rows["withdrawn"]
    assert client.get(reverse("register:detail", args=[withdrawn.public_id])).status_code == 404
    assert client.get(reverse("register:detail", args=["NOSUCHID00"])).status_code == 404


def test_korean_search_matches_morphemes_not_masked_words(client, register_rows):
    assert titles(client.get(reverse("register:index"), {"q": "원격의료를"})) == ["원격의료 플랫폼 허용"]
    assert titles(client.get(reverse("register:index"), {"q": "드론 비행"})) == ["드론 비행 승인 절차"]
    assert titles(client.get(reverse("register:index"), {"q": "드론 원격의료"})) == []  # every term must match
    assert titles(client.get(reverse("register:index"), {"q": "김철수"})) == []  # masked in every body
    assert titles(client.get(reverse("register:index"), {"q": "을를"})) == []


def test_filters_by_sector_agency_status_and_year(client, register_rows, other_agency):
    index = reverse("register:index")
    assert titles(client.get(index, {"sector": "biohealth"})) == ["원격의료 플랫폼 허용"]
    assert titles(client.get(index, {"agency": other_agency.code})) == ["원격의료 플랫폼 허용"]
    assert titles(client.get(index, {"status": "answered"})) == ["배송 로봇 보도 통행"]
    this_year = timezone.localtime().year
    assert len(titles(client.get(index, {"year": this_year}))) == 3
    assert list(selectors.register_list(selectors.RegisterFilter(year=this_year - 1))) == []
    # A value outside the choices is ignored, not an error.
    assert client.get(index, {"sector": "<script>", "year": "abc"}).status_code == 200


def test_sorts(client, firm, firm_member, city_official, agency):
    first = publish(firm, firm_member, city_official, agency, title="첫째 애로")
    second = publish(firm, firm_member, city_official, agency, title="둘째 애로")
    third = publish(firm, firm_member, city_official, agency, title="셋째 애로")
    type(second.barrier).objects.filter(pk=second.barrier_id).update(affected_firm_count=7)
    forward(third.barrier, city_official)  # its answer clock runs longer than the others' triage clock
    index = reverse("register:index")

    assert titles(client.get(index)) == ["셋째 애로", "둘째 애로", "첫째 애로"]
    assert titles(client.get(index, {"sort": "affected"}))[0] == "둘째 애로"
    assert titles(client.get(index, {"sort": "unresolved"})) == ["첫째 애로", "둘째 애로", "셋째 애로"]
    assert titles(client.get(index, {"sort": "due"}))[-1] == "셋째 애로"
    assert first.public_id != second.public_id


def test_overdue_flag_and_filter(client, register_rows):
    later = timezone.now() + dt.timedelta(days=60)
    with time_machine.travel(later):
        response = client.get(reverse("register:index"), {"overdue": "on"})
        rows = response.context["rows"]
        # Triage is done and the answered one waits on the filer: only forwarded/triaged clocks owe.
        assert {row.publication.title for row in rows} <= {"드론 비행 승인 절차", "원격의료 플랫폼 허용"}
        assert all(row.overdue_days > 0 for row in rows)
        assert "배송 로봇 보도 통행" not in [row.publication.title for row in rows]
    assert client.get(reverse("register:index"), {"overdue": "on"}).context["page"].paginator.count == 0


def test_overdue_forwarded_barrier_is_flagged(client, firm, firm_member, city_official, agency):
    publication = publish(firm, firm_member, city_official, agency, title="회신 지연 애로")
    forward(publication.barrier, city_official)

    with time_machine.travel(timezone.now() + dt.timedelta(days=90)):
        (row,) = client.get(reverse("register:index"), {"overdue": "1"}).context["rows"]
        assert row.overdue_days > 20
        html = client.get(reverse("register:detail", args=[publication.public_id])).content.decode()
        assert "근무일 경과" in html


def test_pagination(client, firm, firm_member, city_official, agency):
    for n in range(selectors.PAGE_SIZE + 1):
        publish(firm, firm_member, city_official, agency, title=f"페이지 애로 {n}")

    first = client.get(reverse("register:index"))
    second = client.get(reverse("register:index"), {"page": 2})

    assert len(first.context["rows"]) == selectors.PAGE_SIZE and len(second.context["rows"]) == 1


# -- identity ---------------------------------------------------------------------------------------


def test_named_filer_shows_the_firm(client, firm, firm_member, city_official, agency):
    publication = publish(
        firm, firm_member, city_official, agency, title="기업명 공개 애로", privacy=Privacy.PUBLIC_NAMED
    )
    assert firm.name in client.get(reverse("register:detail", args=[publication.public_id])).content.decode()


def test_sealed_firm_is_never_named(client, firm, firm_member, city_official, agency):
    publication = publish(
        firm,
        firm_member,
        city_official,
        agency,
        title="봉인 애로",
        privacy=Privacy.PUBLIC_NAMED,
        seal_from_agency=True,
    )
    for response in (
        client.get(reverse("register:detail", args=[publication.public_id])),
        client.get(reverse("register:index")),
        client.get(reverse("register:export_csv")),
        client.get(reverse("register:sector_feed", args=["robots"])),
    ):
        assert firm.name not in response.content.decode("utf-8-sig")


def test_k_anonymity_shows_less_in_small_cells(client, firm, firm_member, city_official, agency):
    publication = publish(firm, firm_member, city_official, agency, title="작은 셀 애로")
    url = reverse("register:detail", args=[publication.public_id])
    (row,) = selectors.rows_for([publication])
    assert row.identity.label == "기업 정보 비공개"  # one fintech firm: it would stand out

    FirmFactory.create_batch(3, sectors=["fintech"], size_class=SizeClass.MEDIUM)
    FirmFactory.create_batch(1, sectors=["fintech"], size_class=SizeClass.SMALL)
    from django.core.cache import cache

    cache.clear()
    (row,) = selectors.rows_for([publication])
    assert (row.identity.sector, row.identity.size) == ("핀테크", None)  # 5 in the sector, 2 small

    FirmFactory.create_batch(3, sectors=["fintech"], size_class=SizeClass.SMALL)
    cache.clear()
    (row,) = selectors.rows_for([publication])
    assert (row.identity.sector, row.identity.size) == ("핀테크", "소기업")
    html = client.get(url).content.decode()
    assert "소기업" in html and firm.name not in html


def test_list_page_reads_the_same_few_tables_however_many_rows(
    client, firm, firm_member, city_official, agency, monkeypatch
):
    """One firm's anonymous barriers come as one Firm object per row: every one must get the
    attached sectors, or each row's identity line queries the firm's sectors again. (Measured
    with the rows rendered each time: their cached fragment is kept for no time.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from barriers.models import BarrierStatus
    from register import views

    monkeypatch.setattr(views, "ROWS_FRAGMENT_SECONDS", 0)

    publish(firm, firm_member, city_official, agency, title="첫 익명 애로")
    client.get(reverse("register:index"))  # fills the shared caches (sectors, agencies, counts)
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("register:index"))
    for i in range(4):
        publish(firm, firm_member, city_official, agency, title=f"익명 애로 {i}", privacy=Privacy.PUBLIC_ANONYMOUS)
    with CaptureQueriesContext(connection) as five_rows:
        response = client.get(reverse("register:index"))
    assert len(response.context["rows"]) == 5
    assert len(five_rows) == len(one_row), [q["sql"] for q in five_rows]
    assert [row.status_label for row in response.context["rows"]] == [BarrierStatus.TRIAGED.label] * 5


# -- feeds and CSV ----------------------------------------------------------------------------------


def test_sector_feed_is_valid_atom_with_public_entries_only(client, register_rows):
    response = client.get(reverse("register:sector_feed", args=["mobility"]))

    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["드론 비행 승인 절차"]
    entry = entries[0]
    assert entry.find(f"{ATOM}id").text == f"haechi-register:{register_rows['drone'].public_id}"
    assert entry.find(f"{ATOM}updated") is not None
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/register/{register_rows['drone'].public_id}/")


def test_agency_feed_lists_that_agency_only(client, register_rows, agency):
    root = ET.fromstring(client.get(reverse("register:agency_feed", args=[agency.code])).content)
    assert {e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")} == {
        "드론 비행 승인 절차",
        "배송 로봇 보도 통행",
    }
    assert client.get(reverse("register:agency_feed", args=["no-such-agency"])).status_code == 404
    assert client.get(reverse("register:sector_feed", args=["no-such-sector"])).status_code == 404


def test_csv_export_follows_the_filters(client, register_rows):
    rows = csv_rows(client.get(reverse("register:export_csv"), {"sector": "mobility"}))

    assert rows[0][0] == "공개 번호"
    assert [r[1] for r in rows[1:]] == ["드론 비행 승인 절차"]
    assert rows[1][0] == register_rows["drone"].public_id


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_csv_escapes_formula_cells(client, firm, firm_member, city_official, agency, lead):
    publish(firm, firm_member, city_official, agency, title=f"{lead}SUM(A1) 드론 규제")

    response = client.get(reverse("register:export_csv"))

    assert response["Content-Type"].startswith("text/csv")
    (row,) = csv_rows(response)[1:]
    assert row[1] == f"'{lead}SUM(A1) 드론 규제"


# -- the official's side ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "_case, persona, expected",
    [
        ("firm member", "firm_member", 403),
        ("agency official", "agency_official", 403),
        ("outsider", "outsider", 403),
        ("city official", "city_official", 200),
    ],
)
def test_review_pages_are_for_city_officials(client, request, triaged, _case, persona, expected):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("register:queue")).status_code == expected
    assert client.get(reverse("register:review", args=[triaged.pk])).status_code == expected
    response = client.post(reverse("register:review", args=[triaged.pk]), {"action": "publish", "extra_terms": ""})
    assert response.status_code == (302 if expected == 200 else 403)


def test_anonymous_review_redirects_to_sign_in(client, triaged):
    response = client.get(reverse("register:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_official_previews_masks_more_and_publishes(client, triaged, city_official):
    client.force_login(city_official)
    url = reverse("register:review", args=[triaged.pk])

    page = client.get(url).content.decode()
    assert "[전화번호]" in page and "010-1234-5678" in page  # the official sees what is masked

    fragment = client.post(url, {"action": "preview", "extra_terms": "배송 로봇"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "[비공개]" in fragment.content.decode()
    assert not selectors.public_publications().exists()

    assert client.post(url, {"action": "publish", "extra_terms": "배송 로봇"}).status_code == 302
    (publication,) = selectors.public_publications()
    assert "배송 로봇" not in publication.body

    withdraw = client.post(reverse("register:withdraw", args=[triaged.pk]), {"reason": "기업 요청"})
    assert withdraw.status_code == 302
    assert not selectors.public_publications().exists()


def test_agency_official_cannot_withdraw(client, published, agency_official):
    client.force_login(agency_official)
    response = client.post(reverse("register:withdraw", args=[published.barrier_id]), {"reason": "x"})
    assert response.status_code == 403
    assert selectors.public_publications().exists()


def test_plain_search_pages_skip_barriers_that_left_the_register(
    client, monkeypatch, firm, firm_member, city_official, agency
):
    """A plain search pages publications first and checks barriers after (``SearchNewest``): the
    pages must still be exactly the joined query's, without the barriers their filer withdrew."""
    from barriers.services.intake import withdraw_barrier

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    published = [publish(firm, firm_member, city_official, agency, title=f"드론 비행 애로 {n}") for n in range(7)]
    publish(firm, firm_member, city_official, agency, title="배송 로봇 보도 통행")  # does not match
    newest_first = published[::-1]
    gone = [*newest_first[:3], newest_first[-1]]  # their publications stay live
    for publication in gone:
        withdraw_barrier(barrier_id=publication.barrier_id, actor=firm_member, reason="자체 해결")
    expected = [p.pk for p in newest_first if p not in gone]
    search = selectors.RegisterFilter(q="드론 비행")

    assert isinstance(selectors.register_page_ids(search), selectors.SearchNewest)
    assert list(selectors.register_ids(search)) == expected
    first = client.get(reverse("register:index"), {"q": "드론 비행"})
    second = client.get(reverse("register:index"), {"q": "드론 비행", "page": 2})
    assert first.context["page"].paginator.count == 3
    assert [row.publication.pk for row in first.context["rows"]] == expected[:2]  # read further once
    assert [row.publication.pk for row in second.context["rows"]] == expected[2:]
    # Any other filter or order goes through the one joined query.
    for changes in ({"sort": selectors.Sort.AFFECTED}, {"sector": "robots"}, {"overdue": True}):
        other = dataclasses.replace(search, **changes)
        assert not isinstance(selectors.register_page_ids(other), selectors.SearchNewest)


def test_large_results_show_a_capped_count(client, monkeypatch, firm, firm_member, city_official, agency):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for n in range(3):
        publish(firm, firm_member, city_official, agency, title=f"많은 애로 {n}")

    response = client.get(reverse("register:index"))

    assert response.context["capped"] is True
    assert response.context["page"].paginator.count == 2
    assert "2건 이상" in response.content.decode()
    assert response.context["total"] == 3


# -- the rows fragment ---------------------------------------------------------------------------


def _rows_of(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_list_rows_are_rendered_once_and_follow_every_change(
    client, firm, firm_member, city_official, agency, other_firm, other_firm_member
):
    """The rows are kept as one fragment under what they show: the same page again reads no
    publication, answer or sector; a transition, a co-signature, an agency renamed, the clock
    passing the due time and a withdrawal each show at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from barriers.models import BarrierStatus
    from barriers.services import cosigning

    publication = publish(firm, firm_member, city_official, agency, title="조각 캐시 애로")
    index = reverse("register:index")
    first = client.get(index).content.decode()
    with CaptureQueriesContext(connection) as again:
        second = client.get(index).content.decode()
    assert _rows_of(first) == _rows_of(second) and "조각 캐시 애로" in _rows_of(second)
    assert not any("barriers_barrieranswer" in q["sql"] or "barrier_sectors" in q["sql"] for q in again)

    forward(publication.barrier, city_official)  # a transition: the status column changes
    assert str(BarrierStatus.FORWARDED.label) in _rows_of(client.get(index).content.decode())

    cosigning.cosign_barrier(barrier_id=publication.barrier_id, actor=other_firm_member, firm=other_firm)
    assert "<td>2</td>" in _rows_of(client.get(index).content.decode())

    agency.name = "이름 바뀐 기관"
    agency.save()
    assert "이름 바뀐 기관" in _rows_of(client.get(index).content.decode())

    with time_machine.travel(timezone.now() + dt.timedelta(days=90)):
        assert "hc-row-overdue" in _rows_of(client.get(index).content.decode())

    services.withdraw_publication(barrier_id=publication.barrier_id, actor=city_official, reason="기업 요청")
    assert "조각 캐시 애로" not in _rows_of(client.get(index).content.decode())
