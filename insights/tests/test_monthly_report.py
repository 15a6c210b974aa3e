"""The monthly report per agency and for the city."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from barriers import services as barrier_services
from core.business_days import SEOUL
from insights.monthly_report import Month, monthly_report
from insights.tests.workflow import forwarded_barrier

pytestmark = pytest.mark.django_db


def forwarded(*, firm, filer, city, agency, title):
    body = "자율주행 셔틀의 보도 통행이 막혀 있습니다."
    return forwarded_barrier(
        firm=firm, filer=filer, city=city, agency=agency, title=title, body=body, sectors=["mobility"]
    )


@pytest.fixture
def month_of_work(sectors, firm, firm_member, city_official, agency, other_agency, agency_official):
    with time_machine.travel(dt.datetime(2026, 10, 5, 10, tzinfo=SEOUL), tick=False):
        late = forwarded(firm=firm, filer=firm_member, city=city_official, agency=agency, title="기한 넘긴 건")
        answered = forwarded(firm=firm, filer=firm_member, city=city_official, agency=agency, title="회신한 건")
        other = forwarded(firm=firm, filer=firm_member, city=city_official, agency=other_agency, title="다른 기관 건")
    with time_machine.travel(dt.datetime(2026, 10, 8, 10, tzinfo=SEOUL), tick=False):
        barrier_services.answer_barrier(
            barrier_id=answered.pk,
            actor=agency_official,
            outcome="declined",
            body="어렵습니다.",
            reason_code="safety",
            legal_basis="도로교통법 제13조의2",
        )
    return late, answered, other


def test_month_parses_year_and_month_and_refuses_the_rest():
    assert Month.parse("2026-02") == Month(2026, 2)
    assert Month(2026, 2).last_day == dt.date(2026, 2, 28)
    assert Month(2026, 1).previous == Month(2025, 12)
    for bad in ("2026-13", "2026", "twenty", "2026-02-30", "1900-01"):
        with pytest.raises(Exception, match="연-월"):
            Month.parse(bad)


def test_agency_report_counts_its_own_barriers_answers_and_overdue(month_of_work, agency):
    late, answered, other = month_of_work
    now = dt.datetime(2026, 12, 1, 10, tzinfo=SEOUL)
    report = monthly_report(month=Month(2026, 10), agency=agency, now=now)
    assert report.filed.filed == 2 and report.filed.answered == 1
    assert report.answers_given == 1 and report.answers_by_outcome == {"declined": 1}
    assert [item.barrier_id for item in report.overdue] == [late.pk]
    assert report.overdue[0].overdue_business_days > 0


def test_city_report_covers_every_agency(month_of_work):
    now = dt.datetime(2026, 12, 1, 10, tzinfo=SEOUL)
    report = monthly_report(month=Month(2026, 10), now=now)
    assert report.filed.filed == 3
    assert {item.title for item in report.overdue} >= {"기한 넘긴 건", "다른 기관 건"}


def test_agency_officials_read_only_their_own_agencys_report(
    client, month_of_work, agency, other_agency, agency_official, firm_member, city_official
):
    own = f"/insights/reports/2026-10/{agency.code}/"
    client.force_login(agency_official)
    page = client.get(own)
    assert page.status_code == 200 and "기한 넘긴 건" in page.content.decode()
    assert "다른 기관 건" not in page.content.decode()
    assert client.get(f"/insights/reports/2026-10/{other_agency.code}/").status_code == 403
    assert client.get("/insights/reports/2026-10/").status_code == 403
    client.force_login(firm_member)
    assert client.get(own).status_code == 403
    client.force_login(city_official)
    assert client.get("/insights/reports/2026-10/").status_code == 200
    assert client.get("/insights/reports/").status_code == 200


def test_bad_month_gets_a_clear_400(client, city_official):
    client.force_login(city_official)
    response = client.get("/insights/reports/2026-13/")
    assert response.status_code == 400 and "연-월" in response.content.decode()


def test_agency_report_never_names_a_firm(client, month_of_work, agency, agency_official, firm):
    client.force_login(agency_official)
    assert firm.name not in client.get(f"/insights/reports/2026-10/{agency.code}/").content.decode()
