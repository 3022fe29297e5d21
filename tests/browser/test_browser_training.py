"""The training panel and the model card in a real browser against the real site: curves on a
log axis, values under the pointer, fits overlaid with their settings, a run's epochs as CSV, the
charts as PNG, and the lesson's model as a card. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

from tests.browser.support import run_code
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"
EXAMPLE = ROOT / "playground" / "examples" / "en" / "06-huber.py"
DATA = """
X = np.random.default_rng(0).uniform(-2, 2, size=(160, 1)).astype("float32")
y = 3 * X + 2
model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
"""


def fit(lr: float, epochs: int) -> str:
    return (
        f"model.compile(loss='mse', optimizer=keras.optimizers.SGD({lr}), metrics=['mae'])\n"
        f"history = model.fit(X, y, epochs={epochs}, batch_size=16, validation_split=0.25)\nNone"
    )


@pytest.fixture
def page_ready_ms() -> int:
    """The page fixture's wait (tests/browser/conftest.py), with more time: these fits load the machine."""
    return 120_000


async def run_to_the_end(page, code: str) -> None:
    before = await page.locator(".run.is-ok, .run.is-failed").count()
    await run_code(page, code)
    await page.locator(".run.is-ok, .run.is-failed").nth(before).wait_for(timeout=120_000)
    assert await page.locator(".run.is-failed").count() == 0, await page.locator("#output").inner_text()


async def y_axis(where, metric: str) -> str:
    canvas = where.locator(f".chart:has(figcaption:text-is('{metric}')) canvas[role=img]")
    return await canvas.get_attribute("aria-label")


async def test_two_fits_overlay_in_the_panel_with_their_settings_listed(page):
    await run_to_the_end(page, DATA + fit(0.01, 6))
    await run_to_the_end(page, "model = keras.models.clone_model(model)\n" + fit(0.002, 4))
    rows = page.locator("#training table.runs tbody tr")
    assert await rows.count() == 2
    cells = [(await rows.nth(i).locator("td").all_inner_texts())[1:9] for i in range(2)]
    assert [c[0].split()[0:2] for c in cells] == [["Run", "1"], ["Run", "2"]]
    assert [c[1:] for c in cells] == [
        ["SGD", "0.01", "mse", "16", "6/6", "49", cells[0][7]],
        ["SGD", "0.002", "mse", "16", "4/4", "49", cells[1][7]],
    ]
    legend = page.locator(".chart:has(figcaption:text-is('loss')) .u-legend")
    names = set(await legend.locator("th").all_inner_texts())
    assert {"Run 1", "Run 1 validation", "Run 2", "Run 2 validation"} <= names
    await page.set_viewport_size({"width": 1280, "height": 1100})  # the panel whole: its table and charts
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(SHOTS / "training-runs.png"))
    # Hidden from the charts by its tick box, a run leaves the legend.
    await rows.nth(0).get_by_role("checkbox").uncheck()
    await page.wait_for_timeout(200)
    assert "Run 1" not in await legend.locator("th").all_inner_texts()


async def test_the_log_toggle_puts_the_y_axis_in_powers_of_ten(page):
    await run_to_the_end(page, DATA + fit(0.05, 40))
    linear = await y_axis(page, "loss")
    await page.get_by_label("Log scale").check()
    await page.wait_for_timeout(200)
    log = await y_axis(page, "loss")
    assert linear != log
    ticks = [float(x) for x in log.split(": ", 1)[1].split(", ")]
    assert len(ticks) >= 2 and all(x > 0 and x == 10 ** round(math.log10(x)) for x in ticks), log


async def test_the_pointer_over_a_chart_shows_the_value_of_each_curve(page):
    await run_to_the_end(page, DATA + fit(0.01, 10))
    chart = page.locator(".chart:has(figcaption:text-is('loss'))")
    values = chart.locator(".u-legend .u-series:not(.raw) .u-value")
    assert set(await values.all_inner_texts()) <= {"\u2013", "--"}  # nothing under the pointer yet
    box = await chart.locator(".u-over").bounding_box()
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shown = await values.all_inner_texts()
    assert shown[0].isdigit()  # the epoch
    assert all(float(v.split(" (")[0]) > 0 for v in shown[1:]), shown  # smoothed (raw)


async def test_a_runs_csv_holds_every_epoch_and_the_png_holds_the_charts(page):
    await run_to_the_end(page, DATA + fit(0.01, 30) + "\nimport json\nprint(json.dumps(history.history['val_loss']))")
    printed = json.loads((await page.locator("pre.stream-stdout").last.inner_text()).strip())
    async with page.expect_download() as download_info:
        await page.locator("#training table.runs").get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(await (await download_info.value).path()).read_text())))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 31))
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(printed, rel=1e-6)
    assert {"loss", "mae", "val_mae", "lr", "epoch_time_s"} <= set(rows[0])
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Charts as PNG").click()
    png = Path(await (await download_info.value).path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 300 and height >= 2 * 150  # two charts (loss, mae), one under the other


async def test_the_lessons_model_is_a_card_of_its_layers_with_their_parameter_counts(page):
    await run_to_the_end(page, EXAMPLE.read_text() + "\nmodel")
    card = page.locator(".card-model").last
    rows = card.locator("table.layers").first.locator("tbody tr")
    assert [await rows.nth(i).locator("td").all_inner_texts() for i in range(await rows.count())] == [
        ["dense Dense", "(None, 16)", "32", "✓"],
        ["dense_1 Dense", "(None, 1)", "17", "✓"],
    ]
    assert "49 parameters" in await card.locator("tfoot").inner_text()
    await card.get_by_role("button", name="Weights").click()
    weights = card.locator("table.layers").nth(1).locator("tbody tr")
    assert await weights.count() == 4
    assert (await weights.first.locator("td").all_inner_texts())[0] == "dense/kernel (1, 16)"
    assert await weights.first.locator("canvas.histogram").is_visible()
    await card.scroll_into_view_if_needed()
    await card.screenshot(path=str(SHOTS / "model-card.png"))


async def test_a_shared_link_draws_the_curves_and_settings_it_recorded(page):
    await run_to_the_end(page, DATA + fit(0.01, 12))
    await page.click("#share")
    await page.wait_for_function("() => document.querySelector('#share-url').value !== ''", timeout=30_000)
    viewer = await page.context.browser.new_page()
    await viewer.goto(await page.input_value("#share-url"))
    recorded = viewer.locator("#output .run-recorded .training")
    await recorded.wait_for(timeout=30_000)
    cells = await recorded.locator("table.runs tbody tr td").all_inner_texts()
    assert cells[2:8] == ["SGD", "0.01", "mse", "16", "12/12", "49"]
    assert (await y_axis(recorded, "loss")).startswith("loss by epoch; y axis: ")


async def test_restart_empties_the_training_panel(page):
    await run_to_the_end(page, DATA + fit(0.01, 2))
    assert await page.locator("#training").is_visible()
    await page.get_by_role("button", name="Restart").click()
    await page.locator("#training").wait_for(state="hidden", timeout=5_000)
    assert await page.locator("#training table.runs tbody tr").count() == 0
