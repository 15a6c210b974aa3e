"""Search before filing and co-signing through the real pages in Chromium: a firm starts typing a
barrier, sees that another firm already raised it, co-signs it instead, and the filer sees it."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from barriers.models import Barrier, CoSignature
from barriers.tests.factories import barrier_in
from barriers.tests.test_browser_barrier_journey import sign_in
from firms.reference_data import load_sectors
from firms.tests.factories import FirmFactory
from tests.browser.fixtures import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXISTING_TITLE = "배송 로봇 보도 통행 금지로 단지 내 실증 불가"


def test_search_before_filing_then_cosign(live_server, page):  # noqa: F811
    load_sectors()
    filer_firm = FirmFactory(name="하늘로보틱스")
    joiner_firm = FirmFactory(name="바다물류")
    filer = MembershipFactory(role=Role.FIRM_MEMBER, firm=filer_firm, user=UserFactory(email="sky@example.kr")).user
    joiner = MembershipFactory(role=Role.FIRM_MEMBER, firm=joiner_firm, user=UserFactory(email="sea@example.kr")).user
    existing = barrier_in(
        "triaged",
        firm=filer_firm,
        filed_by=filer,
        title=EXISTING_TITLE,
        body=(
            "자율주행 배송 로봇이 도로교통법상 차로 분류되어 보도를 다닐 수 없습니다. "
            "아파트 단지 배송 실증이 막혔습니다."
        ),
    )
    private = barrier_in(
        "triaged", firm=filer_firm, title="배송 로봇 보도 통행 비공개 건", privacy="private", body=existing.body
    )
    page.set_default_timeout(45_000)  # two shared cores: the live server can be slow to answer
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    base = live_server.url

    # Another firm starts typing the same barrier: the similar one appears (debounced htmx).
    sign_in(page, base, joiner.email)
    page.goto(base + "/barriers/new/")
    title = page.get_by_label("제목")
    title.fill("배송로봇 보도 통행")
    title.press("End")  # a real keystroke: the search listens to keyup
    page.get_by_label("애로 내용").fill("로봇이 보도를 다닐 수 없어 배송 실증을 못 합니다")
    page.get_by_label("애로 내용").press("End")
    similar = page.locator("#similar-barriers")
    similar.get_by_text("비슷한 규제 애로가 있습니다").wait_for()
    similar.get_by_text(EXISTING_TITLE).wait_for()
    assert private.title not in similar.inner_text() and "하늘로보틱스" not in similar.inner_text()
    screenshot(page, "cosign-similar-while-filing")

    # It offers to co-sign instead; the firm does so on the barrier's public page.
    href = similar.get_by_role("link", name="이 애로에 공동 서명하기").get_attribute("href")
    assert href == f"/barriers/{existing.pk}/public/"
    page.goto(base + href)
    page.get_by_label("우리 기업이 겪는 피해").fill("물류센터 인근 배송 실증이 같은 이유로 중단되었습니다.")
    page.get_by_label("사업 지연(개월)").fill("3")
    page.locator("label", has_text="신청 기업에 우리 기업명을 알립니다").click()
    page.get_by_role("button", name="우리도 겪고 있다").click()
    page.locator("#cosign-panel").get_by_text("같은 애로를 겪는 기업 2곳").wait_for()
    page.locator("#cosign-panel").get_by_text("바다물류은(는) 이 애로에 공동 서명했습니다.").wait_for()
    screenshot(page, "cosign-done")
    cosignature = CoSignature.objects.get(barrier=existing)
    assert cosignature.firm == joiner_firm and cosignature.show_to_filer and cosignature.harm_delay_months == 3
    assert Barrier.objects.get(pk=existing.pk).affected_firm_count == 2

    # The filer sees who joined, because the co-signer allowed it.
    sign_in(page, base, filer.email)
    page.goto(base + f"/barriers/{existing.pk}/")
    panel = page.locator("#cosign-panel")
    panel.get_by_text("바다물류").wait_for()
    assert "물류센터 인근 배송 실증" in panel.inner_text()
    screenshot(page, "cosign-seen-by-filer")
    assert not problems, problems
