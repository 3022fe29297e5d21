"""Your own data in a real browser (issue 26): a CSV dropped on the page lands in the Files panel,
loads with the bundled sets' contract and is described; a screenshot of the description goes to
docs/screenshots/dataset.png."""

from __future__ import annotations

import pytest

from tests.browser.support import run_code
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

HOMES = "rooms,area,district,price\n" + "".join(
    f"{2 + i % 4},{55 + 7 * i},{['centro', 'norte', 'sur'][i % 3]},{150 + 11 * i}\n" for i in range(40)
)
DROP = """csv => {
  const data = new DataTransfer();
  data.items.add(new File([csv], 'homes.csv', { type: 'text/csv' }));
  const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
  document.querySelector('#output').dispatchEvent(drop);
}"""


async def test_a_csv_dropped_on_the_page_is_uploaded_loaded_and_described(page):
    await run_code(page, "1")  # a kernel to put the file in
    await page.locator(".run.is-ok").first.wait_for(timeout=30_000)
    await page.evaluate(DROP, HOMES)
    await page.locator("#files a", has_text="homes.csv").wait_for(timeout=20_000)
    await run_code(
        page,
        'X_train, y_train, X_val, y_val = datasets.load("homes.csv", target="price")\nX_train.shape, X_train.dtype',
    )
    await page.get_by_text("(32, 3)").first.wait_for(timeout=30_000)
    await run_code(page, 'datasets.describe("homes.csv", target="price")')
    described = page.locator(".run").last
    await described.get_by_text("district").first.wait_for(timeout=30_000)
    text = await described.inner_text()
    assert "40" in text and "centro" in text and "price" in text
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(ROOT / "docs" / "screenshots" / "dataset.png"))
