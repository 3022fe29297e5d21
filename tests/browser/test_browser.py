"""The page in a real browser (Debian's Chromium driven by Playwright) against the real site."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.site import running_site

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A Content-Security-Policy violation fails the test: the page must work under its policy.
# Chromium logs each refusal; the event also catches what is reported without a log line.
CSP_WATCH = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  'Content Security Policy violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"""


async def fail_on_csp_violations(page, errors: list[str]) -> None:
    await page.add_init_script(CSP_WATCH)
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))


if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: the Makefile should have installed it", pytrace=False)
    pytest.skip("Chromium is not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def site():
    with running_site(quiet=True) as base:
        yield base


@pytest.fixture
async def browser():
    """Chromium for one test; a CSP violation on any page it records fails the test."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        browser.csp_violations = []  # pages opened with fail_on_csp_violations(page, this list)
        yield browser
        await browser.close()
        assert browser.csp_violations == []


@pytest.fixture
async def page(site):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await fail_on_csp_violations(page, errors)
        await page.goto(site + "/")
        await page.wait_for_selector("#run:not([disabled])", timeout=30_000)
        yield page
        assert errors == [], f"the page raised: {errors}"
        await browser.close()


# The editor's code through CodeMirror's own handle on its element: the page has no globals of its own.
SET_CODE = "code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)"
GET_CODE = "() => document.querySelector('.CodeMirror').CodeMirror.getValue()"
WINDOW_NAMES = "() => Object.getOwnPropertyNames(window)"


async def set_code(page, code: str) -> None:
    await page.evaluate(SET_CODE, code)


async def get_code(page) -> str:
    return await page.evaluate(GET_CODE)


async def run_code(page, code: str) -> None:
    await set_code(page, code)
    await page.focus("#code")
    await page.keyboard.press("Control+Enter")


async def test_typing_code_and_pressing_ctrl_enter_shows_shape_and_dtype(page):
    await run_code(page, "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])\nt + 10")
    output = page.locator("#output")
    await output.get_by_text("shape=(2, 3)").first.wait_for(timeout=20_000)
    text = await output.inner_text()
    assert "dtype=float32" in text and "16.0" in text and "line 2" in text


async def test_an_error_names_its_line(page):
    await run_code(page, "x = 1\nf.constant(42)")
    await page.locator("#output").get_by_text("NameError").first.wait_for(timeout=20_000)
    assert "line 2" in await page.locator("#output").inner_text()


async def test_interrupt_stops_a_long_run_and_the_state_returns_to_idle(page):
    await run_code(page, "import time\ntime.sleep(60)")
    await page.locator('#status[data-state="busy"]').wait_for(timeout=20_000)
    await page.get_by_role("button", name="Interrupt").click()
    await page.locator("#output").get_by_text("KeyboardInterrupt").first.wait_for(timeout=10_000)
    await page.locator('#status[data-state="idle"]').wait_for(timeout=10_000)


async def test_restart_clears_the_variables(page):
    await run_code(page, "kept = 1")
    await page.locator('#status[data-state="idle"]').wait_for(timeout=20_000)
    await page.get_by_role("button", name="Restart").click()
    await page.locator('#status[data-state="idle"]').wait_for(timeout=20_000)
    await run_code(page, "kept")
    await page.locator("#output").get_by_text("NameError").first.wait_for(timeout=20_000)


async def test_the_code_survives_a_reload(page):
    await page.click("#code")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("survives = 'a reload'")
    await page.reload()
    await page.wait_for_selector("#run:not([disabled])", timeout=30_000)
    assert await get_code(page) == "survives = 'a reload'"


async def test_the_page_adds_no_globals_but_the_vendored_codemirror(page):
    plain = await page.context.browser.new_page()  # the site's 404 page has no script: what any page has
    await plain.goto(page.url + "no/such/page")
    builtin = set(await plain.evaluate(WINDOW_NAMES))
    await plain.close()
    assert [name for name in await page.evaluate(WINDOW_NAMES) if name not in builtin] == ["CodeMirror"]
