"""A web process may die without a word: the pages it served stop renewing their leases, so
their kernels are freed after the grace like closed pages' kernels, while a page whose consumer
keeps saying it is there keeps its kernel and its variables."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from kernels import bus, pages
from playground import consumers
from tests.communicator import connect, run
from tests.support import BusClient

pytestmark = pytest.mark.slow


@pytest.fixture
def short_leases(kernel_host, monkeypatch):
    monkeypatch.setattr(pages, "LEASE_S", 1.0)
    original = kernel_host.limits
    kernel_host.limits = dataclasses.replace(original, detached_grace_s=0.5)
    yield kernel_host
    kernel_host.limits = original


async def test_a_page_whose_web_process_died_frees_its_kernel_and_a_present_neighbour_keeps_its_own(
    short_leases, client_factory
):
    kernel_host = short_leases
    orphan = await client_factory()  # its web process "dies": no detach, no renewal
    await orphan.run("x = 1")
    neighbour = await client_factory()
    await neighbour.run("y = 41")

    async def say_present() -> None:
        while True:
            await neighbour.layer.send(kernel_host.channel, bus.PRESENT(owner=neighbour.owner, reply=neighbour.channel))
            await asyncio.sleep(0.2)

    renewing = asyncio.create_task(say_present())
    try:
        async with asyncio.timeout(20):  # lease, then grace, each seen by a patrol once a second
            while orphan.owner in kernel_host.sessions:
                await asyncio.sleep(0.1)
    finally:
        renewing.cancel()
    assert (await neighbour.run("y + 1")).results[1]["repr"] == "42"
    back = BusClient(owner=orphan.owner)
    status = await back.attach()
    assert "after its page was closed" in status["reason"]
    await back.close()


@pytest.mark.django_db(transaction=True)
async def test_an_open_websocket_renews_its_lease_so_its_kernel_outlives_lease_and_grace(
    short_leases, host_cleanup, monkeypatch
):
    kernel_host = short_leases
    monkeypatch.setattr(consumers, "HOST_CHECK_S", 0.05)
    monkeypatch.setattr(bus, "PRESENT_EVERY_S", 0.2)
    before = set(kernel_host.sessions)
    page = await connect()
    await run(page, "z = 5", "first")
    (owner,) = set(kernel_host.sessions) - before
    (channel,) = kernel_host.sessions[owner].attached
    heard = kernel_host.sessions[owner].attached._heard[channel]
    await asyncio.sleep(2.5)
    session = kernel_host.sessions.get(owner)
    assert session is not None and session.attached._heard[channel] > heard
    later = await run(page, "z * 2", "later")
    assert [m["value"]["repr"] for m in later if m["type"] == "result"] == ["10"]
    await page.disconnect()
