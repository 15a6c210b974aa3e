"""A founder signs their firm up in Korean, from the public home page to their firm's home."""

import pytest

from accounts.models import User
from firms.reference_data import load_clusters, load_sectors
from tests.browser.fixtures import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_founder_signs_up_and_lands_on_firm_home(live_server, page):
    load_sectors()
    load_clusters()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", level=1).inner_text().startswith("규제 때문에")
    # The page ships its own Korean font: it must actually load (these machines have none).
    font_loaded = page.evaluate(
        "async () => { await document.fonts.ready;"
        " return [...document.fonts].some(f => f.family.includes('Pretendard') && f.status === 'loaded'); }"
    )
    screenshot(page, "public-home")

    page.get_by_role("link", name="기업 회원가입").first.click()
    page.get_by_label("이름").fill("김핀테")
    page.get_by_label("이메일").fill("founder@example.kr")
    page.get_by_label("비밀번호").fill("a-long-unusual-passphrase")
    page.get_by_label("기업명").fill("페이브릿지")
    page.get_by_label("사업자등록번호").fill("116-82-00277")
    page.locator("label", has_text="핀테크").click()  # KRDS draws the box on the label
    page.get_by_role("button", name="가입하기").click()
    assert page.get_by_text("검증 숫자가 맞지 않습니다").is_visible()
    screenshot(page, "sign-up-error")

    page.get_by_label("사업자등록번호").fill("116-82-00276")
    page.get_by_label("비밀번호").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url(live_server.url + "/")
    assert "김핀테님, 반갑습니다" in page.get_by_role("heading", level=1).inner_text()
    assert "116-82-00276" in page.content()
    screenshot(page, "firm-home")
    assert User.objects.filter(email="founder@example.kr").exists()
    assert font_loaded


def test_keyboard_user_can_skip_to_content(live_server, page):
    page.goto(live_server.url + "/accounts/sign-in/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "본문 바로가기"
