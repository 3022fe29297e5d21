"""Fixtures every folder uses: one real kernel host (fork server + pool) for the whole test session,
sessions on it through tests/support.py's BusClient, and the apps' limits changed for one test.
A folder's own fixtures are in its conftest.py."""

from __future__ import annotations

import dataclasses

import pytest
from django.apps import apps

from kernels import embedded
from tests.support import BusClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database, with PostgreSQL's connection pool (settings: "pool") closed
    before the database is dropped: pooled connections left open make the drop warn."""
    yield
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if hasattr(connection, "close_pool"):
            connection.close_pool()


@pytest.fixture(autouse=True)
def classes_hold_no_kernels(request, monkeypatch):
    """Opening a class holds a ready kernel per seat for half an hour (classroom/warm.py): in a test
    suite that opens dozens of classes, that is hundreds of kernels. Only tests marked `warm`
    (tests/classroom/test_warm_class.py) hold any."""
    if request.node.get_closest_marker("warm") is None:
        monkeypatch.setattr("classroom.warm.hold", lambda code, seats, seconds: None)


@pytest.fixture
def fresh_cache():
    """Django's cache (rate-limit counts, a link's renderings) empty before and after a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def conversion_worker_ends():
    """The notebook conversions' worker process, if a test started one, ends with the session."""
    yield
    from sharing import conversions

    conversions.stop()


@pytest.fixture(scope="session")
async def kernel_host():
    """The embedded kernel host, warmed once; every kernel test shares its fork server."""
    await embedded.wait_warm()
    yield embedded.current()
    await embedded.stop()


@pytest.fixture
async def client_factory(kernel_host):
    clients: list[BusClient] = []

    async def make(owner: str | None = None) -> BusClient:
        client = BusClient(owner)
        await client.attach()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def kernel(client_factory) -> BusClient:
    """A fresh session with a ready kernel."""
    return await client_factory()


@pytest.fixture
async def host_cleanup(kernel_host):
    """Ends every kernel session a test opened through websockets (their owners are unknown here)."""
    before = set(kernel_host.sessions)
    yield kernel_host
    for owner in set(kernel_host.sessions) - before:
        session = kernel_host.sessions.pop(owner, None)  # a closed anonymous one may be gone already
        if session is not None:
            await session.shutdown("the test is over")


@pytest.fixture
def override_kernel_limits(monkeypatch):
    """Changes fields of the kernels app's limits for one test: override_kernel_limits(max_code_bytes=10)."""
    return _limits_overrider(monkeypatch, "kernels")


@pytest.fixture
def override_snippet_limits(monkeypatch):
    """Changes fields of the sharing app's limits (PLAYGROUND_SNIPPET_*) for one test."""
    return _limits_overrider(monkeypatch, "sharing")


def _limits_overrider(monkeypatch, app_label: str):
    config = apps.get_app_config(app_label)

    def override(**changes) -> None:
        monkeypatch.setattr(config, "limits", dataclasses.replace(config.limits, **changes))

    return override
