"""Sharing by link in a real browser (Debian's Chromium, Playwright) against the real site:
Share -> link copied -> the link opens with the recorded outputs and no session until Run."""

from __future__ import annotations

import json

import pytest

from tests.browser.support import fail_on_csp_violations, get_code, set_code

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WAIT_MS = 30_000
CODE = "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])\nprint('shared!')\nt + 10"
NASTY = '<img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script>'


async def new_page(browser, site: str, path: str = "/"):
    """A page in a fresh browser profile (its own cookies and storage), recording its websockets."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = await context.new_page()
    page.sockets = []
    page.errors = []
    page.on("websocket", lambda ws: page.sockets.append(ws.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    await fail_on_csp_violations(page, browser.csp_violations)
    await page.goto(site + path)
    return page


async def share(page) -> str:
    await page.click("#share")
    # A function, not an expression string: Playwright evals strings, which the page's CSP refuses.
    await page.wait_for_function("() => document.querySelector('#share-url').value !== ''", timeout=WAIT_MS)
    return await page.input_value("#share-url")


async def run_and_share(page, code: str, expect: str) -> str:
    await page.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)
    await set_code(page, code)
    await page.click("#run")
    await page.locator("#output .run.is-ok").first.wait_for(timeout=WAIT_MS)
    assert expect in await page.locator("#output").inner_text()
    return await share(page)


async def test_share_copies_a_link_that_opens_with_the_outputs_and_no_session(browser, site):
    author = await new_page(browser, site)
    link = await run_and_share(author, CODE, "16.0")
    assert link.startswith(site + "/s/")
    assert await author.evaluate("navigator.clipboard.readText()") == link
    assert "copied" in await author.inner_text("#share-status")
    history = author.locator("#share-history")
    assert await history.is_visible() and link.removeprefix(site) in await history.inner_html()

    viewer = await new_page(browser, site, link.removeprefix(site))
    recorded = viewer.locator("#output .run-recorded")
    await recorded.wait_for(timeout=WAIT_MS)
    text = await recorded.inner_text()
    assert "shape=(2, 3)" in text and "16.0" in text and "shared!" in text and "line 3" in text
    assert await get_code(viewer) == CODE
    assert await viewer.get_attribute("#status", "data-state") == "dormant"
    await viewer.wait_for_timeout(500)
    assert viewer.sockets == [], "opening a link must not start a session"

    await viewer.click("#run")  # the viewer's own session starts now
    await viewer.locator("#output .run.is-ok:not(.run-recorded)").first.wait_for(timeout=WAIT_MS)
    assert len(viewer.sockets) == 1
    assert author.errors == [] and viewer.errors == []


async def test_editing_a_link_and_sharing_again_makes_a_fork_that_names_its_parent(browser, site):
    author = await new_page(browser, site)
    first = await run_and_share(author, "base = tf.ones([3])\nbase", "1.0")
    page = await new_page(browser, site, first.removeprefix(site))
    await page.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)
    await set_code(page, "base = tf.ones([3])\nbase * 7")
    await page.fill("#share-title", "Sevens")
    fork = await share(page)
    assert fork != first
    forked = await new_page(browser, site, fork.removeprefix(site))
    parent_link = forked.locator(".snippet-intro a.snippet-parent")
    assert await parent_link.get_attribute("href") == first.removeprefix(site)
    assert await forked.inner_text("#snippet-title") == "Sevens"
    assert "No outputs were recorded" in await forked.inner_text("#output")  # it was never run


async def test_the_embed_shows_code_and_outputs_read_only_with_a_link_to_open_it(browser, site):
    author = await new_page(browser, site)
    link = await run_and_share(author, "tf.range(4) * 2", "6")
    snippet_id = link.rsplit("/", 1)[1]
    embed = await new_page(browser, site, f"/e/{snippet_id}")
    await embed.locator(".run-recorded .result").first.wait_for(timeout=WAIT_MS)
    assert "tf.range(4) * 2" in await embed.inner_text(".embed-code")
    assert await embed.get_attribute(".embed-open", "href") == f"/s/{snippet_id}"
    assert await embed.locator("#run").count() == 0 and embed.sockets == []
    assert await embed.evaluate("localStorage.length") == 0  # nothing written to the viewer's storage


async def test_opening_a_link_does_not_cost_the_visitor_their_own_code(browser, site):
    author = await new_page(browser, site)
    link = await run_and_share(author, "x = 40 + 2\nx", "42")
    await set_code(author, "my_own_work = 1")
    await author.goto(link)
    await author.locator("#output .run-recorded").wait_for(timeout=WAIT_MS)
    assert await get_code(author) == "x = 40 + 2\nx"
    await author.goto(site + "/")
    await author.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)
    assert await get_code(author) == "my_own_work = 1"


async def test_a_hostile_snippet_cannot_run_script_in_the_viewers_browser(browser, site):
    author = await new_page(browser, site)
    outputs = [
        {"type": "stream", "name": "stdout", "text": NASTY},
        {"type": "result", "lineno": 1, "value": {"kind": "text", "type": "str", "repr": NASTY}},
        {"type": "error", "ename": NASTY, "evalue": NASTY, "lineno": 1, "traceback": [NASTY]},
        {"type": "done", "ok": False, "elapsed_ms": 1},
    ]
    body = json.dumps({"code": f"# {NASTY}\n", "title": NASTY, "outputs": outputs})
    created = await author.evaluate(
        """async (body) => {
             const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
             const r = await fetch('/api/snippets', {method: 'POST', body,
               headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}});
             return r.json();
           }""",
        body,
    )
    for path in (created["url"], f"/e/{created['id']}"):
        viewer = await new_page(browser, site, path)
        await viewer.locator(".run-recorded").wait_for(timeout=WAIT_MS)
        await viewer.wait_for_timeout(300)
        assert await viewer.evaluate("window.pwned") is None
        assert NASTY in await viewer.locator(".run-recorded").inner_text()  # shown as text


async def test_links_shared_before_links_carried_their_url_are_still_listed(browser, site):
    page = await new_page(browser, site)
    old = [{"id": "abcDEF12345", "title": "from last month", "at": "2026-11-01T10:00:00Z"}]
    await page.evaluate("(links) => localStorage.setItem('playground.shared', JSON.stringify(links))", old)
    await page.reload()
    link = page.locator("#share-history a", has_text="from last month")
    await link.wait_for(state="attached", timeout=WAIT_MS)
    assert await link.get_attribute("href") == "/s/abcDEF12345"


async def test_a_link_carries_the_csv_its_code_reads_and_runs_with_it_for_someone_else(browser, site, tmp_path):
    author = await new_page(browser, site)
    await author.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)
    csv = tmp_path / "measures.csv"
    csv.write_text("x,y\n1,2\n3,4\n5,6\n")
    await author.set_input_files("#files-upload", str(csv))
    await author.wait_for_function(
        "() => document.querySelector('#files').textContent.includes('measures.csv')", timeout=WAIT_MS
    )
    code = "rows = open('measures.csv').read().split()\nprint('rows:', len(rows) - 1, 'last:', rows[-1])"
    link = await run_and_share(author, code, "rows: 3 last: 5,6")
    assert "measures.csv" in await author.inner_text("#share-status")  # the share says it went along

    viewer = await new_page(browser, site, link.removeprefix(site))
    listed = viewer.locator(".snippet-file-list a", has_text="measures.csv")
    assert await listed.get_attribute("href") == link.removeprefix(site) + "/files/measures.csv"
    await viewer.wait_for_selector("#run:not([disabled])", timeout=WAIT_MS)
    await viewer.click("#run")  # a new session: the file is in its scratch folder before this run
    ran = viewer.locator("#output .run.is-ok:not(.run-recorded)").first
    await ran.wait_for(timeout=WAIT_MS)
    assert "rows: 3 last: 5,6" in await ran.inner_text()
    await viewer.wait_for_function(
        "() => document.querySelector('#files').textContent.includes('measures.csv')", timeout=WAIT_MS
    )
    assert author.errors == [] and viewer.errors == []
