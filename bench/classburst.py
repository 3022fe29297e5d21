"""A warm class's burst, against strangers' (bench/classroom.py --burst): 50 students of a class
whose kernels are held ready join within one second, each timed from its join POST to its first
tensor's result; the same 50 as strangers on a fresh site, from `GET /`. docs/benchmarks.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import dataclass

from .classes import Browser, kernel_processes, open_class, page_class_token, site_env, wait_for_kernels
from .cpu import kernels_cpu, kernels_cpu_s, process_cpu_s, wait_until_quiet
from .site import connect, execute, running_site, server_pid
from .stats import summary_ms
from .teacherview import TeacherView
from .workloads import FIRST_TENSOR


@dataclass
class Arrival:
    form_s: float  # a student's join POST (0 for a stranger, who has no form)
    page_s: float  # the page: the one the join leads to, or a stranger's GET /
    first_tensor_s: float  # websocket open to the first tensor's result

    @property
    def total_s(self) -> float:
        return self.form_s + self.page_s + self.first_tensor_s


async def arrive(base: str, after_s: float, student: Browser | None, code: str | None, name: str) -> Arrival:
    """One newcomer, from its start `after_s` in: a seated student's join (the form loaded
    beforehand) and the page it leads to, or a stranger's GET /; then websocket and first tensor."""
    await asyncio.sleep(after_s)
    started = time.perf_counter()
    path, browser = "/ws/session/", student or Browser(base)
    if student is not None and code is not None:
        location = await asyncio.to_thread(student.post, f"/c/{code}/join", {"name": name})
        posted = time.perf_counter()
        path += "?class=" + page_class_token(await asyncio.to_thread(student.get, location))
    else:
        posted = started
        await asyncio.to_thread(browser.get, "/")
    paged = time.perf_counter()
    async with await connect(base, browser.cookie(), path=path) as websocket:
        messages = await execute(websocket, FIRST_TENSOR, uuid.uuid4().hex)
        done = time.perf_counter()
    assert messages[0]["type"] == "result", messages
    return Arrival(posted - started, paged - posted, done - paged)


def burst_row(arrivals: list[Arrival], web_s: float, kernels_s: float, client_s: float) -> dict:
    count = len(arrivals)
    forms = [a.form_s for a in arrivals] if any(a.form_s for a in arrivals) else []  # strangers have none
    return {
        "newcomers": count,
        "link_to_first_tensor": summary_ms([a.total_s for a in arrivals]),
        "join_post": summary_ms(forms),
        "page": summary_ms([a.page_s for a in arrivals]),
        "websocket_to_first_tensor": summary_ms([a.first_tensor_s for a in arrivals]),
        "web_cpu_per_newcomer_ms": round(web_s / count * 1000, 2),
        "kernel_cpu_per_newcomer_ms": round(kernels_s / count * 1000, 2),
        "client_cpu_per_newcomer_ms": round(client_s / count * 1000, 2),
    }


async def timed_burst(
    base: str, pid: int, count: int, spread_s: float, code: str | None, browsers: list[Browser | None]
) -> dict:
    web, kernels, client = process_cpu_s(pid), kernels_cpu(pid), time.process_time()
    alive = kernel_processes(pid)
    arrivals = await asyncio.gather(
        *(
            arrive(base, spread_s * i / count, browsers[i], code, f"student-{i:03d}")
            for i in range(count)  # each newcomer from its own start
        )
    )
    web, kernels_s = process_cpu_s(pid) - web, kernels_cpu_s(pid, since=kernels)
    return burst_row(list(arrivals), web, kernels_s, time.process_time() - client) | {"kernels_before": alive}


async def warm_class(args: argparse.Namespace) -> dict:
    with running_site(site_env(args.seats), quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        await asyncio.to_thread(wait_until_quiet, pid, 120.0, 3)
        before = kernel_processes(pid)
        teacher = Browser(base)
        code = await asyncio.to_thread(open_class, teacher, args.seats)
        fill_s, ready = await asyncio.to_thread(wait_for_kernels, pid, before + args.seats, args.fill_timeout)
        view = await TeacherView.open(base, teacher, code)
        browsers: list[Browser | None] = [Browser(base) for _ in range(args.seats)]
        await asyncio.gather(*(asyncio.to_thread(b.get, f"/c/{code}") for b in browsers if b))  # the join form
        await asyncio.to_thread(wait_until_quiet, pid, 60.0, 2)
        row = await timed_burst(base, pid, args.seats, args.spread, code, browsers)
        await view.close()
    row |= {"kernels_before_class": before, "kernels_after_fill": ready, "fill_s": round(fill_s, 1)}
    print(json.dumps(row), flush=True)
    return row


async def cold_strangers(args: argparse.Namespace) -> dict:
    with running_site(site_env(args.seats), quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        await asyncio.to_thread(wait_until_quiet, pid, 120.0, 3)
        row = await timed_burst(base, pid, args.seats, args.spread, None, [None] * args.seats)
    print(json.dumps(row), flush=True)
    return row
