import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.spreadsheet import safe_cell
from firms.tests.factories import FirmFactory
from insights.models import DashboardSnapshot
from insights.tables import Column, Table, csv_bytes
from surveys import services
from surveys.models import Invitation
from surveys.tests.factories import open_perception_survey


@pytest.fixture
def indicators(db):
    call_command("load_ecosystem_indicators")


def perception_with_responses(city_official, *, negative, positive, neutral=0, invited_extra=0):
    """A perception survey where each listed firm answered (one member each)."""
    from accounts.models import Role
    from accounts.tests.factories import MembershipFactory

    survey = open_perception_survey(city_official)
    plan = ["negative"] * negative + ["positive"] * positive + ["neutral"] * neutral
    for rating in plan:
        firm = FirmFactory()
        member = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user
        invitation = Invitation.objects.create(survey=survey, firm=firm)
        services.submit_response(
            invitation=invitation, user=member, answers={"rating": rating, "reflected": rating != "negative"}
        )
    for _ in range(invited_extra):
        Invitation.objects.create(survey=survey, firm=FirmFactory())
    return survey


def test_public_dashboard_shows_perception_with_ci_and_baseline(client, city_official, sectors, indicators):
    perception_with_responses(city_official, negative=6, positive=4, invited_extra=10)
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "48.79%" in page and "14.98%" in page and "50% 이상" in page
    assert "60.0" in page and "31.3" in page and "83.2" in page  # 6/10 with Wilson 95% CI
    assert "50.0%" in page  # response rate 10 of 20
    assert "윤인주(2021)" in page  # the baseline is cited


def test_public_dashboard_suppresses_small_perception_and_names_no_firm(client, city_official, sectors):
    survey = perception_with_responses(city_official, negative=2, positive=1)
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "비공개(10건 미만)" in page
    for firm in type(Invitation.objects.first().firm).objects.all():
        assert firm.name not in page
    assert survey.title in page


def test_public_firm_counts_hide_cells_under_five(client, sectors):
    for code, n in (("fintech", 6), ("robots", 7), ("ai", 2), ("biohealth", 3)):
        for _ in range(n):
            FirmFactory(sectors=[code])
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "비공개(5건 미만)" in page
    rows = list(csv.reader(io.StringIO(client.get("/insights/data/firms-by-sector.csv").content.decode("utf-8-sig"))))
    values = {row[0]: row[1] for row in rows[1:]}
    assert values["핀테크"] == "6" and values["AI"].startswith("비공개")
    # Two small cells hidden: neither can be recovered from the total, so no third is hidden.
    assert sum(v.startswith("비공개") for v in values.values()) == 2


def test_one_small_cell_takes_the_next_smallest_with_it(client, sectors):
    for code, n in (("fintech", 6), ("robots", 9), ("ai", 2)):
        for _ in range(n):
            FirmFactory(sectors=[code])
    table = client.get("/api/insights/open-data/firms-by-sector").json()["rows"]
    assert {r["sector"]: r["firms"] for r in table} == {"로봇": 9, "핀테크": None, "AI": None}


def test_city_dashboard_shows_exact_small_counts_to_city_team_only(client, city_official, firm_member, sectors):
    FirmFactory(sectors=["ai"])
    url = reverse("insights:city")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(firm_member)
    assert client.get(url).status_code == 403
    assert client.get("/insights/city/data/firms-by-sector.csv").status_code == 403
    client.force_login(city_official)
    page = client.get(url)
    assert page.status_code == 200 and "서울시 내부용" in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get("/insights/city/data/firms-by-sector.csv").content.decode("utf-8-sig")))
    )
    assert ["AI", "1"] in rows


def test_dashboard_query_count_does_not_grow_with_data(
    client, city_official, sectors, indicators, django_assert_max_num_queries
):
    perception_with_responses(city_official, negative=3, positive=3)
    # cold: the barrier measures refreshed, every aggregate, then the snapshot is stored
    with django_assert_max_num_queries(34):
        client.get(reverse("insights:dashboard"))
    with django_assert_max_num_queries(2):  # warm: the stored snapshot
        client.get(reverse("insights:dashboard"))
    for _ in range(15):
        FirmFactory(sectors=["robots", "ai"])
    perception_with_responses(city_official, negative=10, positive=5)
    DashboardSnapshot.objects.all().delete()
    with django_assert_max_num_queries(34):
        assert client.get(reverse("insights:dashboard")).status_code == 200
    with django_assert_max_num_queries(34):  # filtered pages are computed live, still bounded
        assert client.get(reverse("insights:dashboard") + "?dimension=sector").status_code == 200


def test_stale_snapshot_is_served_while_its_refresh_runs_in_the_background(client, sectors):
    FirmFactory(sectors=["fintech"])
    first = client.get(reverse("insights:dashboard")).content.decode()
    assert "등록 기업 1곳" in first
    FirmFactory(sectors=["fintech"])
    assert "등록 기업 1곳" in client.get(reverse("insights:dashboard")).content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        # The stale page is served at once; the refresh it queued (run immediately in tests)
        # is what the next visitor sees.
        assert "등록 기업 1곳" in client.get(reverse("insights:dashboard")).content.decode()
        assert "등록 기업 2곳" in client.get(reverse("insights:dashboard")).content.decode()


def test_only_one_visitor_claims_the_refresh_of_a_stale_snapshot(db):
    from insights import services

    now = timezone.now()
    DashboardSnapshot.objects.create(key="public:ko", computed_at=now - dt.timedelta(minutes=20), html="")
    assert services.claim_snapshot_refresh(key="public:ko", now=now)
    assert not services.claim_snapshot_refresh(key="public:ko", now=now + dt.timedelta(seconds=5))


def test_a_refresh_claim_is_taken_again_when_the_queued_refresh_never_ran(db):
    from insights import services

    now = timezone.now()
    DashboardSnapshot.objects.create(key="public:ko", computed_at=now - dt.timedelta(hours=2), html="")
    assert services.claim_snapshot_refresh(key="public:ko", now=now)
    # The worker was down: after SNAPSHOT_MAX_AGE the next visitor asks again.
    assert services.claim_snapshot_refresh(key="public:ko", now=now + dt.timedelta(minutes=16))


def test_refreshing_a_snapshot_clears_its_refresh_claim(db):
    from insights import services
    from insights.selectors import Audience

    now = timezone.now()
    DashboardSnapshot.objects.create(key="public:ko", computed_at=now - dt.timedelta(minutes=20), html="")
    assert services.claim_snapshot_refresh(key="public:ko", now=now)
    services.refresh_snapshot(audience=Audience.PUBLIC, language="ko", now=now)
    assert DashboardSnapshot.objects.get(key="public:ko").refresh_requested_at is None


def test_refresh_task_builds_every_audience_and_language(db):
    from insights.tasks import refresh_dashboards

    # 2 audiences × 2 languages snapshots, plus 6 dimension tables per audience and language.
    assert refresh_dashboards.enqueue().return_value == 4 + 2 * 2 * 6
    assert set(DashboardSnapshot.objects.values_list("key", flat=True)) == {
        "public:ko",
        "public:en",
        "city:ko",
        "city:en",
    }
    city = DashboardSnapshot.objects.get(key="city:ko").html
    assert "/insights/city/data/" in city and "/insights/data/" not in city.replace("/insights/city/data/", "")


def test_charts_load_from_static_files_with_json_script_and_no_inline_code(client, sectors, indicators):
    FirmFactory()
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert '/static/vendor/chartjs/chart.umd.min.js" defer' in page
    assert '/static/insights/charts.js" defer' in page
    assert '<script id="chart-data-indicator-ecosystem_value" type="application/json">' in page
    assert 'data-chart="chart-data-indicator-ecosystem_value"' in page
    scripts = [s for s in page.split("<script")[1:]]
    assert all(s.lstrip().startswith("src=") or 'type="application/json"' in s.split(">")[0] for s in scripts)
    assert "<caption>" in page  # every chart has its table


def test_targets_show_both_unicorn_targets_with_sources(client, indicators):
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "서울 창업정책 2030" in page and "서울연구원(2022)" in page
    assert "223" in page and "16" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dimension=firm_name", "올바르게 선택"),
        ("since=2026-05-01&until=2026-04-01", "기간의 끝이 시작보다 앞섭니다"),
        ("since=2025-02-30", "올바른 날짜"),
    ],
)
def test_bad_filters_get_a_clear_message(client, db, query, message):
    response = client.get(reverse("insights:dashboard") + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_htmx_filter_returns_only_the_section(client, db):
    response = client.get(reverse("insights:dashboard") + "?dimension=sector", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="barrier-section"' in body and "<h1>" not in body


def test_unknown_table_is_404(client, db):
    assert client.get("/insights/data/nope.csv").status_code == 404
    assert client.get("/api/insights/open-data/nope").status_code == 404


def test_open_data_json_marks_suppressed_cells(client, sectors, indicators):
    FirmFactory(sectors=["ai"])
    index = client.get("/api/insights/open-data").json()
    assert "공공누리" in index["licence"]
    slugs = [t["slug"] for t in index["tables"]]
    assert "firms-by-sector" in slugs and "barriers" in slugs and "indicator-ecosystem_value" in slugs
    table = client.get("/api/insights/open-data/firms-by-sector").json()
    ai = next(r for r in table["rows"] if r["sector"] == "AI")
    assert ai["firms"] is None and ai["firms_suppressed"] is True
    values = client.get("/api/insights/open-data/indicator-ecosystem_value").json()["rows"]
    assert [r["value"] for r in values] == [47.0, 54.0, 223.0]
    assert client.get("/insights/data/").status_code == 200


def test_api_barrier_filters_are_validated(client, db):
    assert client.get("/api/insights/barriers?dimension=agency").status_code == 200
    bad = client.get("/api/insights/barriers?dimension=firm")
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_dimension"
    inverted = client.get("/api/insights/barriers?since=2026-05-01&until=2026-01-01")
    assert inverted.status_code == 400 and inverted.json()["code"] == "inverted_period"
    assert client.get("/api/insights/barriers?since=2025-02-30").status_code == 400


def test_api_indicators_lists_series_and_targets(client, indicators):
    series = {s["code"]: s for s in client.get("/api/insights/indicators").json()}
    assert {t["value"] for t in series["unicorns"]["targets"]} == {40, 50}
    assert series["global_rank"]["targets"][0]["comparison"] == "at_most"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","클릭")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "＝1"],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(value):
    assert safe_cell(value).startswith("'")


def test_csv_keeps_numbers_and_drops_nul():
    assert safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5" and safe_cell("a\0b") == "ab" and safe_cell(None) == ""
    data = csv_bytes(Table("t", "t", [Column("a", "라벨")], [["=1+1"], [-1]]))
    assert data.startswith("\ufeff".encode()) and b"'=1+1" in data and b"\r\n-1\r\n" in data


def test_firm_counts_agree_with_the_firms_breakdown(sectors):
    import datetime as dt

    from firms.models import Cluster, Firm
    from firms.selectors import breakdown
    from insights.selectors import firm_counts

    cluster = Cluster.objects.create(slug="yeouido", name="여의도", theme="핀테크")
    FirmFactory(sectors=["fintech", "ai"], cluster=cluster, founded_on=None)
    FirmFactory(sectors=["robots"], size_class="medium", founded_on=dt.date(2016, 2, 29))
    FirmFactory(sectors=["ai"], founded_on=dt.date(2025, 6, 1))
    as_of = dt.date(2026, 3, 1)
    expected, got = breakdown(Firm.objects.all(), as_of=as_of), firm_counts(as_of=as_of)
    assert got.total == expected.total == 3
    for attr in ("by_size", "by_stage"):
        assert getattr(got, attr) == getattr(expected, attr)
    for attr in ("by_sector", "by_cluster"):  # equal counts may tie in a different order
        assert sorted(getattr(got, attr)) == sorted(getattr(expected, attr))


def test_xlsx_download_keeps_numbers_and_neutralises_formulas():
    from openpyxl import load_workbook

    from insights.tables import xlsx_bytes

    columns = [Column("label", "라벨", numeric=False), Column("n", "건수")]
    table = Table("t", "표", columns, [["=1+1", 7], ["a\x01b", -2]])
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("라벨", "건수")
    assert rows[1] == ("'=1+1", 7) and rows[2] == ("ab", -2)


def test_public_and_city_tables_download_as_xlsx(client, sectors, city_official, firm_member):
    response = client.get("/insights/data/firms-by-sector.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/insights/data/nope.xlsx").status_code == 404
    client.force_login(firm_member)
    assert client.get("/insights/city/data/barriers.xlsx").status_code == 403
    client.force_login(city_official)
    assert client.get("/insights/city/data/barriers.xlsx").status_code == 200


def test_program_reach_counts_firms_that_applied_once_and_hides_small_cells(sectors):
    from insights.selectors import Audience, program_reach_tables
    from programs.models import ApplicationStatus, ProgramApplication
    from programs.tests.factories import SupportProgramFactory

    TODAY = dt.date.today()  # noqa: N806
    program, other = SupportProgramFactory(), SupportProgramFactory()
    firms = [FirmFactory(sectors=["ai"]) for _ in range(12)]
    for firm in firms[:6]:
        ProgramApplication.objects.create(
            program=program, firm=firm, status=ApplicationStatus.SELECTED, applied_on=TODAY
        )
    # A second application by the same firm does not reach it twice; a withdrawn one reaches nobody.
    ProgramApplication.objects.create(
        program=other, firm=firms[0], status=ApplicationStatus.COMPLETED, applied_on=TODAY
    )
    ProgramApplication.objects.create(
        program=program, firm=firms[11], status=ApplicationStatus.WITHDRAWN, applied_on=TODAY
    )
    city = {t.slug: t for t in program_reach_tables(audience=Audience.CITY)}["programs-by-sector"]
    ai = next(row for row in city.rows if row[0] == "AI")
    assert ai[1:4] == [12, 6, 50.0]
    assert ai[6:] == [7, 1]
    public = {t.slug: t for t in program_reach_tables(audience=Audience.PUBLIC)}["programs-by-sector"]
    ai_public = next(row for row in public.rows if row[0] == "AI")
    assert str(ai_public[-1]).startswith("비공개")


def _recurring(n, **fields):
    from routing.models import RecurringRegulation

    return [
        RecurringRegulation.objects.create(
            statement=f"규제 {i}",
            public_title=f"공개 제목 {i}",
            status="confirmed",
            member_count=3,
            firm_count=3 + i,
            harm_score=float(i),
            public_member_count=2,
            public_firm_count=2 + i,
            public_harm_score=float(100 - i),
            **fields,
        )
        for i in range(n)
    ]


def test_top_recurring_regulations_rank_by_harm_with_public_figures_for_the_public(db):
    from insights.selectors import Audience, top_recurring_table

    _recurring(12)
    city = top_recurring_table(audience=Audience.CITY)
    assert [row[1] for row in city.rows[:2]] == ["규제 11", "규제 10"] and len(city.rows) == 10
    public = top_recurring_table(audience=Audience.PUBLIC)
    assert [row[1] for row in public.rows[:2]] == ["규제 0", "규제 1"]
    assert str(public.rows[0][3]).startswith("비공개") and public.rows[5][3] == 7


def test_no_recurring_ranking_on_fewer_than_ten(db):
    from insights.selectors import Audience, top_recurring_table

    _recurring(9)
    table = top_recurring_table(audience=Audience.PUBLIC)
    assert table.rows == [] and "10건 이상" in str(table.note)


def test_a_warmed_dimension_filter_is_served_without_measuring_again(client, db, django_assert_max_num_queries):
    from insights.services import warm_filtered_tables

    warm_filtered_tables(language="ko")
    with django_assert_max_num_queries(6):  # the satisfaction table only; the barrier table is stored
        response = client.get(reverse("insights:dashboard") + "?dimension=agency", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="barrier-section"' in response.content.decode()
