"""The web process's health as Prometheus metrics, on a port of their own (fast: no kernel)."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import pytest
from django.test import AsyncClient

from playground import metrics

pytestmark = pytest.mark.django_db(transaction=True)


class Session:
    def __init__(self, state: str) -> None:
        self.state = state


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_the_metrics_say_the_event_loop_lag_kernels_by_state_and_refusals_by_reason():
    port = free_port()
    lag = metrics.serve(port, "127.0.0.1", lambda: [Session("idle"), Session("idle"), Session("busy")], lambda: (7, 5))
    try:
        refused = await AsyncClient().post("/api/snippets", "{}", content_type="text/plain")
        assert refused.status_code == 415
        await asyncio.sleep(3 * metrics.LAG_EVERY_S)
        text = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        )
    finally:
        lag.cancel()
    assert 'playground_kernels{state="idle"} 2.0' in text and 'playground_kernels{state="busy"} 1.0' in text
    assert "playground_ready_kernels 7.0" in text and "playground_held_kernels 5.0" in text
    assert 'playground_refusals_total{reason="content_type"}' in text
    assert (
        "playground_event_loop_lag_seconds_count" in text and "playground_event_loop_lag_seconds_count 0.0" not in text
    )
    for name in ("playground_runs_total", "playground_conversions_total", "playground_websocket_buffer_drops_total"):
        assert name in text


def test_metrics_are_off_unless_a_port_is_set(settings):
    assert settings.PLAYGROUND_METRICS_PORT == 0
