"""The page in a real browser (Debian's Chromium driven by Playwright) against the real site."""

from __future__ import annotations

import pytest

from tests.browser.support import get_code, run_code

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WINDOW_NAMES = "() => Object.getOwnPropertyNames(window)"


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


async def test_a_reload_draws_the_output_panel_as_it_was(page):
    await run_code(page, "t = tf.constant([[1., 2.], [3., 4.]])\nprint('seen before')\nt * 10")
    output = page.locator("#output")
    await output.get_by_text("40.0").first.wait_for(timeout=20_000)
    await run_code(page, "f.constant(1)")
    await output.get_by_text("NameError").first.wait_for(timeout=20_000)
    await page.reload()
    await output.get_by_text("NameError").first.wait_for(timeout=20_000)  # from the session's record
    text = await output.inner_text()
    assert "seen before" in text and "40.0" in text and text.index("40.0") < text.index("NameError")
