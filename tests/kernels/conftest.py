"""The attack tests' sessions (test_sandbox.py, test_isolation.py, test_host_trusts_no_kernel.py):
an attacker's kernel, and a neighbouring session that must keep its state whatever it does."""

from __future__ import annotations

import pytest


@pytest.fixture
async def neighbour(client_factory):
    """Another visitor's session, which no attack may disturb."""
    client = await client_factory()
    await client.run("neighbour_value = 42\nopen('/scratch/neighbour.txt', 'w').write('private')")
    yield client
    run = await client.run("neighbour_value, open('/scratch/neighbour.txt').read()")
    assert run.results[1]["repr"] == "(42, 'private')", "the neighbouring session lost its state"


@pytest.fixture
async def attacker(kernel, neighbour):
    return kernel
