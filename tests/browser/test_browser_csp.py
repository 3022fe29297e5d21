"""The Content-Security-Policy in a real browser (Debian's Chromium, Playwright): the browser
tests' check catches a violation, and the page's websocket connects under the policy."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, fail_on_csp_violations, set_code

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WAIT_MS = 30_000


async def test_injected_inline_script_and_foreign_images_are_blocked_and_fail_the_check(browser, site):
    page = await browser.new_page()
    violations: list[str] = []
    await fail_on_csp_violations(page, violations)
    await page.goto(site + "/")
    with pytest.raises(Exception):  # noqa: B017 (Playwright reports the refused tag as an error)
        await page.add_script_tag(content="window.injected = 1")
    await page.evaluate("() => { const i = new Image(); i.src = 'http://192.0.2.1/x.png'; document.body.append(i); }")
    await page.wait_for_timeout(300)
    assert await page.evaluate("window.injected") is None
    assert any("script-src" in text for text in violations), violations
    assert any("img-src" in text for text in violations), violations


async def page_with_connect_src(playwright, site: str, connect_src: str, violations: list[str]):
    """The playground page with its policy's connect-src replaced (the rest as served)."""
    # A response fulfilled by Playwright counts as coming from the public internet, and Chromium's
    # local-network checks would then refuse its websocket to 127.0.0.1 whatever the policy says.
    args = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    page = await browser.new_page()
    await fail_on_csp_violations(page, violations)

    async def replace(route):
        response = await route.fetch()
        headers = dict(response.headers)
        policy = re.sub(r"connect-src [^;]*", f"connect-src {connect_src}", headers["content-security-policy"])
        await route.fulfill(response=response, headers={**headers, "content-security-policy": policy})

    await page.route(site + "/", replace)
    await page.goto(site + "/")
    return page


@pytest.mark.parametrize(("connect_src", "connects"), [("'self'", True), ("http://192.0.2.1", False)])
async def test_connect_src_self_alone_lets_the_page_websocket_connect(site, connect_src, connects):
    # The site also names ws:// and wss:// of its host, for older browsers; current Chromium
    # accepts the page's websocket on 'self' alone (CSP Level 3). Without 'self' it is refused.
    from playwright.async_api import async_playwright

    violations: list[str] = []
    async with async_playwright() as playwright:
        page = await page_with_connect_src(playwright, site, connect_src, violations)
        if connects:
            await page.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)  # enabled once connected
            await set_code(page, "tf.constant([1., 2.]) * 2")
            await page.click("#run")
            await page.locator("#output .run.is-ok").first.wait_for(timeout=WAIT_MS)
        else:
            await page.wait_for_function("() => document.querySelector('#run').disabled", timeout=WAIT_MS)
            await page.wait_for_timeout(1000)
    assert (violations == []) is connects, violations
    assert connects or any("connect-src" in text for text in violations)
