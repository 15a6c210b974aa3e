"""Anyone browsing the public pages: nothing the pages need is blocked by the strict CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = ["/", "/accounts/sign-in/", "/accounts/sign-up/", "/agencies/", "/api/docs", "/no-such-page/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_csp_violations_or_script_errors(live_server, page, path):
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(live_server.url + path)
    # The font and scripts load after "load"; on a busy machine that can outlast the 15 s default.
    page.wait_for_load_state("networkidle", timeout=60_000)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p or "Error" in p], problems
