"""Notebook conversions, off the event loop: in a worker process, under a time limit.

Converting to and from .ipynb (nbformat's validation above all) costs CPU in proportion to
what a visitor sends. The web process is one event loop that every page and websocket shares,
so that work runs in a separate process (WORKERS of them), each conversion within TIME_LIMIT_S
(past it the worker is ended and a new one started), at most WAITING conversions queued (more
are told the server is busy), and at most PER_CLIENT at once per client address. The input is
bounded before it gets here (MAX_CELLS, the request's bytes: notebook_views.py).

Only notebooks.py and outputs.py run in the worker: standard library, nbformat and the
protocol's definitions, never Django.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import multiprocessing.pool
import os
from collections.abc import Callable
from typing import Any

from playground import metrics
from playground.edge import Refused

WORKERS = 1  # a conversion takes one core; the other stays with the web process
TIME_LIMIT_S = 10.0
WAITING = 8  # conversions in flight or queued, site-wide
PER_CLIENT = 2  # of them from one client address
NICENESS = 19  # the worker's: a conversion waits for the CPU that pages and runs need

log = logging.getLogger(__name__)
_pool: multiprocessing.pool.Pool | None = None
_in_flight: collections.Counter[str] = collections.Counter()


async def run(client: str, function: Callable[..., Any], *args: Any) -> Any:
    """function(*args) in the worker; Refused when busy or too slow; its own exceptions re-raised."""
    if sum(_in_flight.values()) >= WAITING:
        raise Refused(503, "The server is busy converting notebooks; try again in a few seconds.", retry_after=5)
    if _in_flight[client] >= PER_CLIENT:
        raise Refused(429, f"At most {PER_CLIENT} conversions at once from one address.", retry_after=2)
    _in_flight[client] += 1
    try:
        result = await _call(function, args)
        metrics.CONVERSIONS.labels("done").inc()
        return result
    except Refused:
        metrics.CONVERSIONS.labels("stopped").inc()
        raise
    except Exception:
        metrics.CONVERSIONS.labels("refused").inc()  # the input was not what it should be
        raise
    finally:
        _in_flight[client] -= 1
        if not _in_flight[client]:
            del _in_flight[client]


async def _call(function: Callable[..., Any], args: tuple) -> Any:
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()

    def settle(setter: Callable[[Any], None], value: Any) -> None:
        def set_once() -> None:
            if not done.done():  # a late answer after the time limit is dropped
                setter(value)

        loop.call_soon_threadsafe(set_once)

    pool = _worker_pool()
    on_result, on_error = (lambda v: settle(done.set_result, v)), (lambda e: settle(done.set_exception, e))
    pool.apply_async(function, args, callback=on_result, error_callback=on_error)
    try:
        return await asyncio.wait_for(done, TIME_LIMIT_S)
    except TimeoutError:
        _restart(pool)
        raise Refused(422, f"The conversion took longer than {TIME_LIMIT_S:g} s and was stopped.") from None


def _worker_pool() -> multiprocessing.pool.Pool:
    global _pool
    if _pool is None:
        # spawn: the web process has threads, and a fork would copy its locks mid-use.
        context = multiprocessing.get_context("spawn")
        _pool = context.Pool(WORKERS, initializer=_quiet, maxtasksperchild=500)
    return _pool


def _restart(pool: multiprocessing.pool.Pool) -> None:
    """End a worker stuck on one conversion (and what was queued behind it, told by their time limit)."""
    global _pool
    log.warning("a notebook conversion ran past %s s; its worker is ended", TIME_LIMIT_S)
    if _pool is pool:
        _pool = None
    pool.terminate()


def stop() -> None:
    global _pool
    if _pool is not None:
        _pool.terminate()
        _pool = None


def _quiet() -> None:
    """In the worker: conversions yield the CPU to pages and websockets (the web process, the
    kernels), and nbformat's logging of whole invalid values (megabytes) is silenced: our answer
    says enough."""
    os.nice(NICENESS)
    logging.getLogger("nbformat").setLevel(logging.CRITICAL)
    logging.getLogger().setLevel(logging.CRITICAL)
