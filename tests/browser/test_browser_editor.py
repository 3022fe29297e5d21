"""The editor knows the session, in a real browser: completion, signatures, docs and value cards from the
live kernel, `# %%` cells with Shift+Enter, and notebooks downloaded and opened again."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from tests.browser.support import get_code, run_code, set_code

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TENSOR = "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])"
HINTS = ".CodeMirror-hints"
TIP = ".cm-tip:not([hidden])"


async def define_tensor(page) -> None:
    await run_code(page, TENSOR + "\nt")
    await page.locator("#output").get_by_text("shape=(2, 3)").first.wait_for(timeout=20_000)


async def type_at_end(page, text: str) -> None:
    """Type as a person does, at the end of the editor's code."""
    await page.evaluate(
        "() => { const cm = document.querySelector('.CodeMirror').CodeMirror; cm.focus(); cm.execCommand('goDocEnd'); }"
    )
    await page.keyboard.type(text, delay=40)


async def test_typing_tf_ma_offers_matmul_from_the_kernel(page):
    await set_code(page, "")
    await type_at_end(page, "tf.ma")
    hints = page.locator(HINTS)
    await hints.get_by_text("matmul").first.wait_for(timeout=15_000)
    assert "function" in await hints.inner_text()
    await page.keyboard.press("Escape")


async def test_a_tensors_attributes_complete_and_its_name_shows_shape_and_dtype(page):
    await define_tensor(page)
    await set_code(page, TENSOR + "\n")
    await type_at_end(page, "t.")
    await page.locator(".CodeMirror-hint", has_text=re.compile(r"^shape")).first.wait_for(timeout=15_000)
    await page.keyboard.press("Escape")
    await set_code(page, TENSOR + "\n")
    await type_at_end(page, "t")
    item = page.locator(".CodeMirror-hint", has_text="(2, 3) float32")
    await item.first.wait_for(timeout=15_000)
    assert "EagerTensor (2, 3) float32" in await item.first.inner_text()
    await page.keyboard.press("Enter")  # picks it
    assert (await get_code(page)).endswith("\nt")
    await type_at_end(page, ".shape")  # the whole word typed: no list, so Enter is a new line
    await page.wait_for_function("() => !document.querySelector('.CodeMirror-hints')")
    await page.keyboard.press("Enter")
    assert (await get_code(page)).endswith("\nt.shape\n")


async def test_typing_the_paren_of_tf_reshape_shows_its_signature_with_the_argument_being_typed(page):
    await set_code(page, "")
    await type_at_end(page, "tf.reshape(")
    tip = page.locator(TIP)
    await tip.get_by_text("reshape(tensor, shape, name=None)").wait_for(timeout=15_000)
    assert await tip.locator("b").inner_text() == "tensor"
    await page.keyboard.type("t,", delay=40)
    await tip.locator("b", has_text="shape").wait_for(timeout=15_000)


async def test_shift_tab_shows_the_docs_with_the_api_page_link(page):
    await set_code(page, "")
    await type_at_end(page, "tf.reshape")
    await page.keyboard.press("Escape")  # the completion list
    await page.keyboard.press("End")  # (Esc then Shift+Tab would leave the editor, by design)
    await page.keyboard.press("Shift+Tab")
    tip = page.locator(TIP)
    await tip.get_by_text("Reshapes a tensor").first.wait_for(timeout=15_000)
    link = tip.locator("a")
    assert await link.get_attribute("href") == "https://www.tensorflow.org/api_docs/python/tf/reshape"
    assert await link.get_attribute("target") == "_blank"


async def test_hovering_a_tensor_shows_its_card_with_shape_dtype_and_device(page):
    await define_tensor(page)
    await set_code(page, TENSOR + "\nt + 1")
    box = await page.locator(".CodeMirror-line").nth(1).bounding_box()
    await page.mouse.move(box["x"] + 3, box["y"] + box["height"] / 2)
    card = page.locator(TIP + " .tip-card")
    await card.wait_for(timeout=15_000)
    assert await card.inner_text() == "t EagerTensor · (2, 3) · float32 · CPU:0"


async def test_shift_enter_runs_the_cell_under_the_cursor_keeps_other_results_and_moves_on(page):
    code = "a = tf.ones([2])\na * 2\n# %% second\nb = tf.zeros([3])\nb + 1\n# %% third\nc = 3"
    await set_code(page, code)
    await page.keyboard.press("Control+Enter")
    await page.locator(".cm-result").nth(1).wait_for(timeout=20_000)
    await page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.setCursor(3, 0)")
    await page.focus("#code")
    await page.keyboard.press("Shift+Enter")
    runs = page.locator("#output .run")
    await runs.nth(1).get_by_text("line 3").first.wait_for(timeout=20_000)  # the cell's own line numbers
    second = await runs.nth(1).inner_text()
    assert "# %% second" in second and "3 lines" in second and "a = tf.ones" not in second
    await page.locator(".cm-result:not(.is-stale)").nth(0).wait_for(timeout=5_000)
    marks = await page.evaluate(
        "() => document.querySelector('.CodeMirror').CodeMirror.getAllMarks().map(m => m.find().line)"
    )
    assert sorted(marks) == [1, 4]  # the first cell's result stays by its line; the second's by line 5
    cursor = await page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getCursor().line")
    assert cursor == 6  # into the third cell, past its # %% line
    assert await get_code(page) == code


async def test_a_notebook_downloaded_and_opened_again_gives_the_same_code(page, tmp_path):
    code = "# %% tensors\nt = tf.ones([2, 2])\nprint('hi')\nt * 3\n# %% more\ns = tf.reduce_sum(t)\ns"
    await set_code(page, code)
    await page.focus("#code")
    await page.keyboard.press("Control+Enter")
    await page.locator("#output").get_by_text("4.0").first.wait_for(timeout=20_000)
    async with page.expect_download() as download:
        await page.click("#download-ipynb")
    path = tmp_path / "saved.ipynb"
    await (await download.value).save_as(path)
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    tensors = notebook.cells[1]
    assert tensors.source == "# %% tensors\nt = tf.ones([2, 2])\nprint('hi')\nt * 3"
    assert [o.output_type for o in tensors.outputs] == ["stream", "execute_result"]
    async with page.expect_download() as script:
        await page.click("#download-py")
    assert (await (await script.value).path()).read_text() == code + "\n"
    await set_code(page, "something else")
    await page.set_input_files("#open-notebook", str(path))
    await page.wait_for_function(
        f"() => document.querySelector('.CodeMirror').CodeMirror.getValue() === {json.dumps(code)}"
    )


async def test_dropping_a_notebook_on_the_editor_opens_it(page):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("Intro"), nbformat.v4.new_code_cell("x = 1")]
    await page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.items.add(new File([text], 'lesson.ipynb', {type: 'application/x-ipynb+json'}));
            const target = document.querySelector('.CodeMirror-lines');
            const box = target.getBoundingClientRect();
            target.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true,
                                                         clientX: box.left + 5, clientY: box.top + 5}));
        }""",
        nbformat.writes(notebook),
    )
    expected = "# %% [markdown]\n# Intro\n# %%\nx = 1"
    await page.wait_for_function(
        f"() => document.querySelector('.CodeMirror').CodeMirror.getValue() === {json.dumps(expected)}"
    )
