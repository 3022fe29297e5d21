"""Colab's forms (issue 26, item 1) in a real browser against the real site: `#@param` lines drawn as
labelled controls, a change rewriting the literal and running its cell again, fits re-run that way
overlaid in the Training panel under their values. The form's syntax is read in the page
(static/js/formsyntax.js, the one place its rules live: the page reads it as you type, the server
never needs to), so its rules are tested here too, through the module itself. The screenshot goes to
docs/screenshots/forms.png."""

from __future__ import annotations

import pytest

from tests.browser.support import fail_on_csp_violations, get_code, run_code, set_code
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"
# formsyntax.js in the page: parseForms(code), or fn (literalFor, valueOf) on the code's first field.
SYNTAX = """async ([fn, code, value]) => {
  const forms = await import('/static/js/formsyntax.js');
  const fields = forms.parseForms(code);
  return fn === 'parseForms' ? fields : forms[fn](fields[0], value);
}"""


async def syntax(page, fn: str, code: str, value=None):
    return await page.evaluate(SYNTAX, [fn, code, value])


@pytest.fixture
def page_ready_ms() -> int:
    """The page fixture's wait (tests/browser/conftest.py), with more time: a fit loads the machine."""
    return 120_000


async def finished_runs(page) -> int:
    return await page.locator(".run.is-ok, .run.is-failed").count()


async def run_to_the_end(page, code: str) -> None:
    before = await finished_runs(page)
    await run_code(page, code)
    await page.locator(".run.is-ok, .run.is-failed").nth(before).wait_for(timeout=120_000)


async def syntax_page(site, browser):
    page = await browser.new_page()
    await fail_on_csp_violations(page, browser.csp_violations)
    await page.goto(site + "/")
    return page


async def test_the_form_syntax_is_read_as_colab_writes_it(site, browser):
    page = await syntax_page(site, browser)
    code = "\n".join(
        [
            '#@title Settings { display-mode: "form" }',
            "#@markdown ### Pick **values**",
            'lr = 0.01  #@param {type:"slider", min:0.0001, max:1, step:0.0001}',
            'opt = \'sgd\' # @param ["adam", "sgd"] {allow-input: true}',
            'n = 3  #@param [1, 3, 5] {type:"raw"}',
            'x = "a#b"  #@param {type:"string"}',
            "not_a_form = 1  # @parameter",
        ]
    )
    fields = await syntax(page, "parseForms", code)
    assert [(f["kind"], f.get("text"), f.get("name")) for f in fields] == [
        ("title", "Settings", None),
        ("markdown", "Pick **values**", None),
        ("param", None, "lr"),
        ("param", None, "opt"),
        ("param", None, "n"),
        ("param", None, "x"),
    ]
    lr, opt, n, x = fields[2:]
    assert (lr["control"], lr["min"], lr["max"], lr["step"], lr["literal"]) == ("slider", 0.0001, 1, 0.0001, "0.01")
    assert (opt["control"], opt["options"], opt["literal"], opt["cell"]) == ("combo", ["adam", "sgd"], "'sgd'", None)
    assert (n["control"], n["type"], n["options"]) == ("select", "raw", [1, 3, 5])
    assert x["literal"] == '"a#b"' and code.split("\n")[5][x["from"] : x["to"]] == '"a#b"'
    # Literals back into the code: a string keeps its quotes, escaped; what is not a value gives none.
    literal_cases = [
        ("s = 'it'  #@param {type:\"string\"}", "it's\n", "'it\\'s\\n'"),
        ('s = "x"  #@param ["a", "b"]', 1, '"b"'),
        ('k = 1  #@param ["a", 2] {type:"raw"}', 0, "a"),
        ('b = True  #@param {type:"boolean"}', False, "False"),
        ('i = 1  #@param {type:"integer"}', "2.5", None),
        ('f = 1.0  #@param {type:"number"}', "1e-3", "1e-3"),
        ("d = '2024-01-01'  #@param {type:\"date\"}", "2025-02-03", "'2025-02-03'"),
    ]
    for line, value, literal in literal_cases:
        assert await syntax(page, "literalFor", line, value) == literal, line
    assert await syntax(page, "valueOf", "s = 'it\\'s'  #@param {type:\"string\"}") == "it's"
    assert await syntax(page, "valueOf", 'o = "sgd"  #@param ["adam", "sgd"]') == 1
    cells = await syntax(page, "parseForms", 'a = 1\n# %%\nb = 2  #@param {type:"integer"}')
    assert cells[0]["cell"] == 1
    # The page without a form never loads the module; the forms appear once the code has one.
    loaded = "() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/forms.js'))"
    assert not await page.evaluate(loaded)
    await set_code(page, 'k = 2  #@param {type:"integer"}')
    await page.get_by_role("spinbutton", name="k").wait_for()
    assert await page.evaluate(loaded)


async def test_a_slider_moved_by_keyboard_rewrites_its_literal_and_runs_its_cell_again(page):
    code = (
        "# %%\nscale = 10\n"
        '# %%\n#@title Settings\nlr = 0.5  #@param {type:"slider", min:0, max:1, step:0.1}\nprint("scaled", lr * scale)'
    )
    await run_to_the_end(page, code)
    slider = page.get_by_role("slider", name="lr")
    assert await page.get_by_role("group", name="Settings").is_visible()
    assert await slider.input_value() == "0.5"
    before = await finished_runs(page)
    await slider.focus()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")  # held keys: one run once they stop
    run = page.locator(".run").nth(before)
    await run.and_(page.locator(".is-ok")).wait_for(timeout=60_000)
    assert 'lr = 0.7  #@param {type:"slider"' in await get_code(page)
    assert "lr=0.7" in await run.locator(".run-title").inner_text()
    assert "scaled 7.0" in await run.inner_text()
    summary = await run.locator(".run-code summary").inner_text()
    assert summary.startswith("# %%") and "4 lines" in summary  # the cell alone, from its marker
    await page.wait_for_timeout(500)
    assert await page.locator(".run").count() == before + 1  # one run for two key presses


async def test_a_list_a_checkbox_and_text_fields_rewrite_the_code_and_run_it(page):
    code = "\n".join(
        [
            "#@title Choices",
            "#@markdown Pick an optimizer.",
            'opt = "adam"  #@param ["adam", "sgd"]',
            'shuffle = True  #@param {type:"boolean"}',
            "name = 'first'  #@param {type:\"string\"}",
            'act = "relu"  #@param ["relu", "tanh"] {allow-input: true}',
            "print(opt, shuffle, name, act)",
        ]
    )
    await run_to_the_end(page, code)
    form = page.get_by_role("group", name="Choices")
    assert "Pick an optimizer." in await form.inner_text()
    before = await finished_runs(page)
    await page.get_by_label("opt").select_option("sgd")
    await page.locator(".run.is-ok").nth(before).wait_for(timeout=60_000)
    assert 'opt = "sgd"  #@param' in await get_code(page)
    assert "sgd True first relu" in await page.locator(".run").nth(before).inner_text()
    await page.get_by_role("checkbox", name="shuffle").uncheck()
    await page.locator(".run.is-ok").nth(before + 1).wait_for(timeout=60_000)
    assert "shuffle = False  #@param" in await get_code(page)
    await page.get_by_role("textbox", name="name").fill("it's")
    await page.keyboard.press("Enter")
    await page.locator(".run.is-ok").nth(before + 2).wait_for(timeout=60_000)
    assert "name = 'it\\'s'  #@param" in await get_code(page)
    assert "sgd False it's relu" in await page.locator(".run").nth(before + 2).inner_text()
    await page.get_by_role("combobox", name="act").fill("gelu")
    await page.keyboard.press("Tab")
    await page.locator(".run.is-ok").nth(before + 3).wait_for(timeout=60_000)
    assert 'act = "gelu"  #@param' in await get_code(page)
    # Every control is labelled by its variable; editing the code by hand moves the control.
    code = await get_code(page)
    await set_code(page, code.replace('opt = "sgd"', 'opt = "adam"'))
    await page.wait_for_function("() => document.querySelector('.forms select').selectedIndex === 0")


async def test_fits_rerun_by_a_slider_overlay_in_the_training_panel_under_their_values(page):
    code = "\n".join(
        [
            "# %%",
            'X = np.random.default_rng(0).uniform(-2, 2, size=(160, 1)).astype("float32")',
            "y = 3 * X + 2",
            "# %%",
            "#@title Training",
            "#@markdown Drag the learning rate, then compare the curves.",
            'lr = 0.01  #@param {type:"slider", min:0.001, max:0.1, step:0.001}',
            'optimizer = "SGD"  #@param ["SGD", "Adam"]',
            'epochs = 5  #@param {type:"integer"}',
            "layers = [keras.Input((1,)), keras.layers.Dense(8, activation='relu'), keras.layers.Dense(1)]",
            "model = keras.Sequential(layers)",
            "model.compile(loss='mse', optimizer=getattr(keras.optimizers, optimizer)(lr))",
            "history = model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)",
        ]
    )
    await run_to_the_end(page, code)
    slider = page.get_by_role("slider", name="lr")
    await slider.fill("0.05")  # a drag's release: one change
    rows = page.locator("#training table.runs tbody tr")
    await rows.nth(1).wait_for(timeout=120_000)
    await page.locator(".run.is-ok").nth(1).wait_for(timeout=120_000)
    assert "lr=0.05" in await rows.nth(1).inner_text()
    assert "0.05" in (await rows.nth(1).locator("td").all_inner_texts())[3]  # the learning rate column
    legend = page.locator(".chart:has(figcaption:text-is('loss')) .u-legend")
    names = await legend.locator("th").all_inner_texts()
    assert any("lr=0.05" in name for name in names) and any(name.strip() == "Run 1" for name in names)
    await page.set_viewport_size({"width": 1280, "height": 1000})
    await page.locator(".forms").evaluate("(forms) => forms.scrollTo(0, 0)")  # its title and text in sight
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(SHOTS / "forms.png"))
