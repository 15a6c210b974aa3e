"""A visitor opens the public dashboard: charts are drawn from static files under the strict CSP,
and every chart has its table."""

import pytest
from django.core.management import call_command

from firms.tests.factories import FirmFactory
from tests.browser.fixtures import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_sees_dashboard_charts_and_their_tables(live_server, page):  # noqa: F811
    from firms.reference_data import load_sectors

    load_sectors()
    call_command("load_ecosystem_indicators")
    for _ in range(6):
        FirmFactory(sectors=["fintech"])
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(live_server.url + "/insights/")
    page.wait_for_selector('canvas[data-chart="chart-data-indicator-ecosystem_value"][data-drawn="1"]')
    assert page.locator("canvas[data-drawn]").count() >= 3
    table = page.get_by_role("table", name="서울 창업생태계 가치 (조 원)")
    assert table.get_by_role("row").count() == 4  # header + 2020, 2021, 2022
    screenshot(page, "insights-dashboard")
    assert not problems, problems
