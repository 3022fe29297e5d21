"""The web process's health as Prometheus metrics, on a port of its own (off by default).

As JupyterHub does, metrics are not on the site's own port: with PLAYGROUND_METRICS_PORT set,
`/metrics` is served on PLAYGROUND_METRICS_ADDRESS (127.0.0.1 by default) from a thread of the
web process, for a Prometheus on the same host or network. docs/deployment.md lists them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
LAG_EVERY_S = 0.1  # how often the event loop's lag is sampled

EVENT_LOOP_LAG = Histogram(
    "playground_event_loop_lag_seconds",
    "How late the web process's event loop ran a task due now: every page and websocket waits this long.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
RUNS = Counter("playground_runs_total", "Runs started by the kernel host of this process.")
REFUSALS = Counter("playground_refusals_total", "Requests turned away, by reason.", ["reason"])
CONVERSIONS = Counter("playground_conversions_total", "Notebook conversions, by outcome.", ["outcome"])
BUFFER_DROPS = Counter("playground_websocket_buffer_drops_total", "Messages dropped for pages not reading fast enough.")


class KernelStates(Collector):
    """Kernels by state, and the pool's ready and held ones, read from the embedded kernel host
    when the metrics are scraped."""

    def __init__(self, sessions: Callable[[], list], pool: Callable[[], tuple[int, int] | None]):
        self._sessions, self._pool = sessions, pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "playground_kernels", "Sessions of this process's kernel host, by state.", labels=["state"]
        )
        counts = dict.fromkeys(("starting", "idle", "busy", "dead"), 0)
        with contextlib.suppress(Exception):  # a scrape during shutdown sees nothing
            for session in self._sessions():
                counts[session.state] = counts.get(session.state, 0) + 1
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
        pool = self._pool()
        if pool is not None:
            ready, held = pool
            yield GaugeMetricFamily("playground_ready_kernels", "Kernels forked and warm, no session yet.", ready)
            yield GaugeMetricFamily("playground_held_kernels", "Ready kernels held for classes' students.", held)


async def watch_event_loop() -> None:
    """Sample the event loop's lag for as long as the server runs."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LAG_EVERY_S
        await asyncio.sleep(LAG_EVERY_S)
        EVENT_LOOP_LAG.observe(max(0.0, loop.time() - due))


def serve(
    port: int, address: str, sessions: Callable[[], list], pool: Callable[[], tuple[int, int] | None] = lambda: None
) -> asyncio.Task:
    """Serve /metrics on `port` and sample the event loop's lag (the task returned). `pool`: the
    kernel host's (ready, held) kernels, or None without one in this process."""
    REGISTRY.register(KernelStates(sessions, pool))
    start_http_server(port, addr=address)
    log.info("metrics on http://%s:%s/metrics", address, port)
    return asyncio.create_task(watch_event_loop(), name="metrics-event-loop-lag")


def refused(reason: str) -> None:
    REFUSALS.labels(reason).inc()
