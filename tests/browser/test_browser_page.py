"""The page's features in a real browser: the editor, results by their lines, hints, the training
panel, the examples gallery, the Variables panel and the Spanish interface. Screenshots of the
main states are saved in docs/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, fail_on_csp_violations, get_code, run_code, set_code
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"


async def screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(300)  # let the last frame (charts, scrolling) settle
    await page.screenshot(path=str(SHOTS / name))


async def test_code_typed_in_the_editor_runs_with_ctrl_enter_and_results_sit_by_their_lines(page):
    await set_code(page, "")
    await page.click("#code")
    await page.keyboard.type("t = tf.constant([[1., 2., 3.], [4., 5., 6.]])\nt + 10\ntf.constant(42)\n")
    await page.keyboard.press("Control+Enter")
    output = page.locator("#output")
    await output.get_by_text("shape=(2, 3)").first.wait_for(timeout=20_000)
    text = await output.inner_text()
    assert "dtype=float32" in text and "16.0" in text and "line 2" in text
    # Ctrl+Enter ran the code without adding a line to it.
    assert (await get_code(page)).count("\n") == 3
    # The editor shows each result at the end of its line, and the card has its statistics.
    annotations = page.locator(".editor .cm-result")
    await annotations.nth(1).wait_for(timeout=10_000)
    assert await annotations.nth(0).inner_text() == "(2, 3) float32"
    assert await annotations.nth(1).inner_text() == "42  int32"
    assert "min 11.0" in text and "max 16.0" in text and "24 B" in text
    role = await page.get_attribute("#code", "role")
    assert role == "textbox" and await page.get_attribute("#code", "aria-label") == "Code"
    await screenshot(page, "playground.png")


async def test_a_dtype_mix_highlights_its_line_and_hints_at_tf_cast(page):
    await run_code(page, "a = tf.constant(2.)\nb = tf.constant(40)\na + b")
    hint = page.locator(".hint-box")
    await hint.wait_for(timeout=20_000)
    assert "tf.cast(b, tf.float32)" in await hint.inner_text()
    error_line = page.locator(".editor .cm-error-line .CodeMirror-line")
    await error_line.wait_for(timeout=5_000)
    assert (await error_line.inner_text()).startswith("a + b")
    await screenshot(page, "error-hint.png")


async def test_a_misspelt_name_suggests_the_close_one(page):
    await run_code(page, "f.constant(42)")
    hint = page.locator(".hint-box")
    await hint.wait_for(timeout=20_000)
    assert "Did you mean tf?" in await hint.inner_text()


async def test_stop_ends_a_long_fit_and_keeps_the_session(page):
    code = (
        "X = np.random.rand(256, 4).astype('float32')\ny = X.sum(axis=1, keepdims=True)\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse', optimizer='adam')\n"
        "model.fit(X, y, epochs=10000, batch_size=8, validation_split=0.25)"
    )
    await run_code(page, code)
    await page.locator(".chart canvas").first.wait_for(timeout=30_000)
    await page.wait_for_timeout(1500)  # a few epochs of curves
    await screenshot(page, "training.png")
    await page.get_by_role("button", name="Stop").click()
    await page.locator("#output").get_by_text("KeyboardInterrupt").first.wait_for(timeout=10_000)
    await page.locator(".progress-widget.is-stopped").wait_for(timeout=5_000)
    await page.locator('#status[data-state="idle"]').wait_for(timeout=10_000)
    # The model is still there, listed in the Variables panel.
    await page.locator("#variables").get_by_text("Sequential").wait_for(timeout=5_000)


async def test_an_example_loads_from_the_gallery_and_runs(page):
    await page.select_option("#examples", "variables")
    assert (await get_code(page)).startswith("v = tf.Variable(")
    await page.get_by_role("button", name="Run").click()
    output = page.locator("#output")
    await output.get_by_text("VARIABLE").first.wait_for(timeout=20_000)
    assert "Error" not in await output.inner_text()
    await page.locator("#variables tr.kind-variable").get_by_text("v", exact=True).wait_for(timeout=5_000)


async def test_a_2d_tensor_has_a_heatmap_toggle(page):
    await run_code(page, "tf.reshape(tf.range(12.), [3, 4])")
    toggle = page.get_by_role("button", name="Heatmap")
    await toggle.click()
    assert await toggle.get_attribute("aria-pressed") == "true"
    assert await page.locator("canvas.heatmap").is_visible()


async def test_the_interface_is_in_spanish_for_a_spanish_browser_and_switches_to_english(site):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES")
        page = await context.new_page()
        violations: list[str] = []
        await fail_on_csp_violations(page, violations)
        await page.goto(site + "/")
        await page.wait_for_selector("#run:not([disabled])", timeout=30_000)
        assert await page.get_attribute("html", "lang") == "es"
        for name in ("Ejecutar", "Interrumpir", "Reiniciar"):
            assert await page.get_by_role("button", name=name, exact=True).is_visible()
        await run_code(page, "tf.constant(2.) + tf.constant(40)")
        hint = page.locator(".hint-box")
        await hint.wait_for(timeout=20_000)
        assert "TensorFlow nunca convierte tipos" in await hint.inner_text()
        assert "línea 1" in await page.locator("#output").inner_text()
        await screenshot(page, "spanish.png")
        await page.get_by_role("button", name="English").click()
        await page.get_by_role("button", name="Run", exact=True).wait_for(timeout=10_000)
        await browser.close()
    assert violations == []
