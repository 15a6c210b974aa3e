"""A firm files a barrier, the city triages and forwards it, the agency answers, and the firm
reads the answer — through the real pages in Chromium (Debian's, via tests/browser)."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from accounts.services import needs_two_factor
from accounts.testing import authenticator_for, current_code
from accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from agencies.tests.factories import AgencyFactory
from barriers.models import Barrier, BarrierStatus
from firms.reference_data import load_sectors
from firms.tests.factories import FirmFactory
from tests.browser.fixtures import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:  # noqa: F811
    user = User.objects.get(email=email)
    if needs_two_factor(user):
        authenticator_for(user)
    page.context.clear_cookies()
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: "/accounts/sign-in/" not in url, timeout=30_000)
    if "/accounts/two-factor/" in page.url:  # officials: the code from their authenticator app
        page.get_by_label("인증 번호").fill(current_code(authenticator_for(User.objects.get(email=email))))
        page.get_by_role("button", name="확인").click()
        page.wait_for_url(lambda url: "/accounts/two-factor/" not in url, timeout=30_000)


def test_firm_files_city_forwards_agency_answers_firm_reads(live_server, page):  # noqa: F811
    load_sectors()
    firm = FirmFactory(name="하늘모빌리티")
    agency = AgencyFactory(name="국토교통부", code="molit")
    filer = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm, user=UserFactory(email="filer@example.kr")).user
    city = MembershipFactory(role=Role.CITY_OFFICIAL, user=UserFactory(email="city@example.kr")).user
    official = MembershipFactory(
        role=Role.AGENCY_OFFICIAL, agency=agency, user=UserFactory(email="molit@example.kr")
    ).user
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    base = live_server.url

    # The firm files, with the identity sealed from the agency.
    sign_in(page, base, filer.email)
    page.goto(base + "/barriers/new/")
    page.get_by_label("제목").fill("자율주행 셔틀 시범운행지구 밖 운행 제한")
    page.get_by_label("애로 내용").fill("시범운행지구 밖에서는 유상 운송을 할 수 없어 상암 셔틀 노선을 잇지 못합니다.")
    page.locator("label", has_text="모빌리티").click()
    page.locator("label", has_text="소관기관에 우리 기업 정보를 알리지 않습니다").click()
    page.get_by_text("임시 저장했습니다").wait_for()  # autosave made a draft; submitting reuses it
    page.get_by_role("button", name="미리 보기").click()
    page.locator("#preview").get_by_text("자율주행 셔틀 시범운행지구 밖 운행 제한").wait_for()
    page.get_by_role("button", name="접수하기").click()
    page.get_by_text("접수되었습니다").wait_for()
    barrier = Barrier.objects.get()
    assert barrier.status == BarrierStatus.SUBMITTED and barrier.seal_from_agency
    screenshot(page, "barrier-filed")

    # The city triages and forwards from the barrier page (htmx actions).
    sign_in(page, base, city.email)
    page.goto(base + f"/barriers/{barrier.pk}/")
    assert "하늘모빌리티" in page.content()
    page.get_by_text("검토·분류", exact=True).first.click()
    page.locator("#id_triage-lead_agency").select_option(label="국토교통부")
    page.get_by_role("button", name="검토·분류").click()
    page.get_by_text("검토·분류 완료").first.wait_for()
    page.get_by_text("소관기관 전달", exact=True).first.click()
    page.get_by_role("button", name="소관기관 전달").click()
    page.get_by_text("소관기관 검토 중").first.wait_for()
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.FORWARDED

    # The agency sees it in its queue without the firm's name, and declines with a reason code.
    sign_in(page, base, official.email)
    page.goto(base + "/barriers/queue/")
    assert "자율주행 셔틀" in page.content() and "하늘모빌리티" not in page.content()
    page.get_by_role("link", name="자율주행 셔틀 시범운행지구 밖 운행 제한").click()
    assert "하늘모빌리티" not in page.content()
    page.get_by_text("회신", exact=True).first.click()
    page.get_by_label("검토 결과").select_option("declined")
    page.get_by_label("회신 내용").fill("시범운행지구 제도 안에서 검토가 필요합니다.")
    page.get_by_label("수용곤란 사유").select_option("conflicting_law")
    page.get_by_label("법적 근거").fill("자율주행자동차법 제9조")
    page.get_by_role("button", name="회신").click()
    page.get_by_text("1차 회신").wait_for()
    screenshot(page, "barrier-answered-agency")

    # The firm reads the answer and its reason.
    sign_in(page, base, filer.email)
    page.goto(base + f"/barriers/{barrier.pk}/")
    assert "수용곤란" in page.content() and "타 법령 충돌" in page.content()
    screenshot(page, "barrier-answer-seen-by-firm")
    assert not problems, problems
