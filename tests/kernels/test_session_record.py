"""The session keeps its own record: a page that comes back is sent every run as it was seen,
runs go on with no page open, and the record stays within its bounds (real kernels)."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.conf import settings

from kernels import bus
from tests.support import BusClient, session_with_limits

pytestmark = pytest.mark.slow

THREE_KINDS = """
t = tf.constant([[1., 2.], [3., 4.]])
t * 2
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
tf.constant(1) + tf.constant(1.5)
"""

FIT = """
X = np.random.default_rng(0).normal(size=(2000, 4)).astype("float32")
y = X.sum(axis=1, keepdims=True)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
import time
history = model.fit(X, y, epochs=6, batch_size=32, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: time.sleep(0.6))])
"""


async def come_back(owner: str) -> tuple[BusClient, dict]:
    """A page of the same session opening (a reload, another device): its record."""
    page = BusClient(owner)
    page.channel = await page.layer.new_channel()
    await page.layer.group_add(bus.group_name(owner), page.channel)
    await page.layer.send(settings.PLAYGROUND_KERNELHOST_CHANNEL, bus.ATTACH(owner=owner, reply=page.channel))
    while True:
        message = await page.next_message()
        if message["type"] == "record":
            return page, message


async def test_a_page_that_comes_back_is_sent_a_run_with_a_tensor_a_figure_and_an_error(kernel):
    ran = await kernel.run(THREE_KINDS)
    assert ran.error is not None
    _, record = await come_back(kernel.owner)
    (run,) = [r for r in record["runs"] if r["code"] == THREE_KINDS]
    kinds = [m["value"]["kind"] for m in run["messages"] if m["type"] == "result"]
    assert kinds[0] == "tensor" and "figure" in kinds and not run["running"] and run["kernel"]["pid"]
    error = next(m for m in run["messages"] if m["type"] == "error")
    assert error["ename"] == "InvalidArgumentError" and error["hint"]["code"] == "dtype_mix" and error["lineno"] == 6
    assert run["messages"][-1]["type"] == "done" and run["messages"] == [m for m in ran.messages if m["type"] != "run"]


async def test_a_fit_whose_page_closed_past_the_grace_finishes_and_is_redrawn_whole(kernel_host):
    async with session_with_limits(kernel_host, detached_grace_s=1.0) as student:
        request_id = await student.submit(FIT)
        await student.wait_status(lambda s: s["state"] == "busy")
        await student.detach()  # the laptop closes mid-fit
        await asyncio.sleep(3)  # past the grace: the run goes on
        assert student.owner in kernel_host.sessions and kernel_host.sessions[student.owner].running
        page, record = await come_back(student.owner)
        run = next(r for r in record["runs"] if r["id"] == request_id)
        tail = await page.collect(request_id) if run["running"] else None  # what is live follows
        seen = run["messages"] + (tail.messages if tail else [])
        epochs = [m for m in seen if m["type"] == "progress" and m["event"] == "epoch"]
        assert [m["epoch"] for m in epochs] == [1, 2, 3, 4, 5, 6] and seen[-1]["ok"]  # none repeated, none missing
        kept = await page.run("len(history.history['loss'])")  # the same kernel: the model is there
        assert kept.results[1]["repr"] == "6"


async def test_an_idle_kernel_whose_page_closed_still_ends_after_the_grace(kernel_host):
    async with session_with_limits(kernel_host, detached_grace_s=1.0) as student:
        await student.run("x = 1")
        await student.detach()
        for _ in range(40):
            if student.owner not in kernel_host.sessions:
                break
            await asyncio.sleep(0.25)
        assert student.owner not in kernel_host.sessions


async def test_a_run_that_floods_keeps_its_record_within_bounds_and_its_end(kernel_host):
    limits = {"record_run_bytes": 50_000, "record_session_bytes": 200_000, "record_runs": 3}
    async with session_with_limits(kernel_host, **limits) as student:
        flood = await student.run("for i in range(3000):\n    print('x' * 300)")
        for n in range(4):
            await student.run(f"n{n} = {n}")
        record = kernel_host.sessions[student.owner].record
        assert record.dropped == 2 and len(record.runs) == 3  # the oldest went first
        assert record.bytes <= limits["record_session_bytes"]
        assert flood.done["ok"]
        _, sent = await come_back(student.owner)
        assert sent["dropped"] == 2 and [r["code"] for r in sent["runs"]] == ["n1 = 1", "n2 = 2", "n3 = 3"]


def test_a_flooding_run_is_cut_in_the_record_but_keeps_its_done():
    from kernels.record import RecordLimits, SessionRecord

    record = SessionRecord(RecordLimits(run_bytes=10_000, session_bytes=100_000, runs=10))
    run = record.begin("r1", "print('x' * 100)", None)
    for _ in range(500):
        record.add(run, "stream", '{"type":"stream","id":"r1","name":"stdout","text":"' + "x" * 100 + '"}')
    record.add(run, "done", '{"type":"done","id":"r1","ok":true,"elapsed_ms":1}')
    assert run.truncated and run.finished and run.messages[-1][0] == "done" and run.bytes <= 10_200


async def test_a_web_process_reads_a_sessions_record_without_starting_a_kernel(kernel, kernel_host):
    from kernels import asking

    ran = await kernel.run("x = 41\nx + 1")
    record = await asking.record_of(kernel.owner)
    assert [r["id"] for r in record["runs"]][-1] == ran.done["id"]
    assert (await asking.record_of("nobody-" + kernel.owner))["runs"] == []  # no session: nothing, and none made
    assert "nobody-" + kernel.owner not in kernel_host.sessions


def test_a_long_record_is_sent_in_parts_of_whole_runs_in_order():
    from kernels.record import RecordLimits, SessionRecord

    record = SessionRecord(RecordLimits(run_bytes=100_000, session_bytes=10_000_000, runs=100))
    for n in range(10):
        run = record.begin(f"r{n}", f"x = {n}", None)
        record.add(run, "stream", json.dumps({"type": "stream", "id": f"r{n}", "name": "stdout", "text": "y" * 50_000}))
    parts = record.parts(max_bytes=120_000)
    assert len(parts) == 5 and [len(part["runs"]) for part in parts] == [2] * 5
    assert [run["id"] for part in parts for run in part["runs"]] == [f"r{n}" for n in range(10)]
    assert SessionRecord().parts() == [{"runs": [], "dropped": 0}]  # a page always hears one


@pytest.mark.django_db(transaction=True)
async def test_a_shared_runs_outputs_are_the_ones_the_server_recorded_never_the_browsers(kernel_host):
    from django.test import AsyncClient

    from sharing.models import Snippet

    browser = AsyncClient()
    await browser.get("/")  # the page issues the session the kernel is bound to
    page = BusClient(bus.owner_for(browser.cookies[settings.SESSION_COOKIE_NAME].value))
    await page.attach()
    code = "print('from the kernel')\n6 * 7"
    ran = await page.run(code)
    shared = await browser.post("/api/snippets", {"code": code, "run": ran.done["id"]}, content_type="application/json")
    snippet = await Snippet.objects.aget(pk=shared.json()["id"])
    assert shared.status_code == 201 and snippet.outputs_source == "server"
    assert [m.get("text") for m in snippet.outputs if m["type"] == "stream"] == ["from the kernel\n"]
    assert [m["value"]["repr"] for m in snippet.outputs if m["type"] == "result"] == ["42"]
    made_up = await browser.post("/api/snippets", {"code": code, "run": "not-a-run"}, content_type="application/json")
    assert made_up.status_code == 400 and "record" in made_up.json()["error"]
    elsewhere = AsyncClient()  # a browser without that session cannot share its runs
    stolen = await elsewhere.post(
        "/api/snippets", {"code": code, "run": ran.done["id"]}, content_type="application/json"
    )
    assert stolen.status_code == 400
    await page.close()


@pytest.mark.django_db(transaction=True)
async def test_a_notebook_download_takes_its_outputs_and_counts_from_the_record(kernel_host):
    import nbformat
    from django.test import AsyncClient

    browser = AsyncClient()
    await browser.get("/")
    page = BusClient(bus.owner_for(browser.cookies[settings.SESSION_COOKIE_NAME].value))
    await page.attach()
    first, second = "# %%\na = 20\nprint('first cell')", "# %%\nb = 2\nb * 21"
    ran_second = await page.run(second)  # the second cell runs first
    ran_first = await page.run(first)
    cells = [{"code": first, "run": ran_first.done["id"]}, {"code": second, "run": ran_second.done["id"]}]
    cells[0]["outputs"] = [{"type": "stream", "name": "stdout", "text": "made up\n"}]  # never taken
    answer = await browser.post("/api/notebook", {"cells": cells}, content_type="application/json")
    notebook = nbformat.reads(answer.content.decode(), as_version=4)
    _, one, two = notebook.cells
    assert [one.execution_count, two.execution_count] == [2, 1]  # the order the session ran them
    assert one.outputs[0].text == "first cell\n" and two.outputs[0].data["text/plain"] == "42"
    await page.close()
