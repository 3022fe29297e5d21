"""Links carry their data, with real kernels: a share reads the files its code names from the
sharer's kernel, and a link's websocket puts them in the next session's scratch folder before
its first run, never over a different file the visitor already has."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import AsyncClient

from kernels import bus
from tests.communicator import connect, receive_until, run
from tests.support import BusClient, uploaded_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CSV = b"x,y\n1,2\n3,4\n"
READS = 'rows = open("data.csv").read().splitlines()\nprint(len(rows), rows[-1])\nbig = "big.bin"'


async def sharer() -> tuple[AsyncClient, BusClient]:
    """A browser with a session (its cookie) and its kernel, attached as its page would be."""
    browser = AsyncClient()
    await browser.get("/")
    page = BusClient(bus.owner_for(browser.cookies[settings.SESSION_COOKIE_NAME].value))
    await page.attach()
    return browser, page


async def visitor(snippet_id: str) -> tuple[AsyncClient, str]:
    """Someone else opening the link: the page issues their session (its cookie)."""
    browser = AsyncClient()
    assert (await browser.get(f"/s/{snippet_id}")).status_code == 200
    return browser, browser.cookies[settings.SESSION_COOKIE_NAME].value


async def share(override_snippet_limits, files: dict[str, bytes]) -> dict:
    override_snippet_limits(max_file_bytes=64 * 1024)
    browser, page = await sharer()
    for name, data in files.items():
        assert (await browser.post("/files/", {"file": uploaded_file(name, data)})).status_code == 201
    ran = await page.run(READS)
    assert ran.stdout == "3 3,4\n", ran.error
    body = {"code": READS, "run": ran.done["id"]}
    shared = await browser.post("/api/snippets", body, content_type="application/json")
    await page.close()
    assert shared.status_code == 201, shared.content
    return shared.json()


async def test_a_link_carries_the_files_its_code_reads_and_runs_for_someone_else_as_it_ran(
    host_cleanup, override_snippet_limits
):
    files = {"data.csv": CSV, "big.bin": b"\0" * 100_000, "private.txt": b"not named in the code"}
    shared = await share(override_snippet_limits, files)
    assert [f["name"] for f in shared["files"]] == ["data.csv"]
    assert [f["name"] for f in shared["files_left_out"]] == ["big.bin"]
    assert "64 KiB" in shared["files_left_out"][0]["reason"] and "big.bin was left out" in shared["files_note"]

    browser, cookie = await visitor(shared["id"])
    assert (await browser.get(shared["files"][0]["url"])).content == CSV
    notebook = json.loads((await browser.get(f"/s/{shared['id']}.ipynb")).content)
    assert f"http://testserver/s/{shared['id']}/files/data.csv" in notebook["cells"][0]["source"]
    socket = await connect(cookie, path=f"/ws/session/?snippet={shared['id']}")
    ran = await run(socket, READS, "first")  # sent at once: the kernel is still starting
    assert "".join(m.get("text", "") for m in ran if m["type"] == "stream") == "3 3,4\n"
    listing = (await browser.get("/files/")).json()["files"]
    assert [f["name"] for f in listing] == ["data.csv"]  # and nothing else of the sharer's
    await socket.disconnect()


async def test_a_visitors_own_different_file_of_that_name_is_kept_and_the_run_says_so(
    host_cleanup, override_snippet_limits
):
    shared = await share(override_snippet_limits, {"data.csv": CSV})
    browser, cookie = await visitor(shared["id"])
    first = await connect(cookie)  # the visitor's session, before the link: its own data.csv
    await receive_until(first, lambda m: m["type"] == "status" and m["state"] == "idle")
    mine = b"a,b\n9,9\n"
    assert (await browser.post("/files/", {"file": uploaded_file("data.csv", mine)})).status_code == 201
    second = await connect(cookie, path=f"/ws/session/?snippet={shared['id']}")  # the link, in another tab
    ran = await run(second, READS, "again")
    stderr = "".join(m["text"] for m in ran if m["type"] == "stream" and m["name"] == "stderr")
    stdout = "".join(m["text"] for m in ran if m["type"] == "stream" and m["name"] == "stdout")
    assert "data.csv was not copied from the link" in stderr and stdout == "2 9,9\n"
    same = await connect(cookie, path=f"/ws/session/?snippet={shared['id']}")  # the sharer's own bytes: no news
    await browser.post("/files/", {"file": uploaded_file("data.csv", CSV)})
    quiet = await run(same, READS, "quiet")
    assert not [m for m in quiet if m["type"] == "stream" and m["name"] == "stderr"]
    for socket in (first, second, same):
        await socket.disconnect()
