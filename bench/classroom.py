"""A class on the real site (issue 25): the teacher's view under a class at work, and a warm class's burst.

    .venv/bin/python -m bench.classroom [--view] [--burst] [--students 60] [--duration 60] [--every 5]
        [--error-every 4] [--seats 50] [--spread 1] [--fill-timeout 600]

Both parts start the real site (running_site: uvicorn with its embedded kernel host) and go
through it as browsers do: a teacher opens a class with the form of /class/new (its CSRF token,
its cookie), students join with the form of /c/<code> and read their page's `data-class-token`
for their websocket `/ws/session/?class=<token>`; the teacher's view is `/ws/class/<code>/`.
Without --view or --burst, both run.

**The teacher's view under a class (--view).** `--students` join (untimed) and run
`x = tf.constant([1., 2., 3.])`; once the pool's refill is over (CPU quiet), the web process's
idle CPU is read over `--idle` seconds with every socket open. Then, for `--duration` seconds,
each student runs a small snippet every `--every` seconds, their starts staggered evenly over
the period; one run in `--error-every` adds an int32 tensor to a float32 one (an
InvalidArgumentError, with its hint), so the teacher's view gets errors to group. Update latency
is from the moment a run's `done` reaches its student to the first `student` message at the
teacher's that reflects that run (its `runs` count reached, and no longer `running`); it is also
given from the run's send. The web process's CPU over the timed part is divided by the runs and by
the teacher's updates. With one process, the web process is also the kernel host (the runs'
dispatch, the records, the class summaries): its CPU is both; the kernels' own CPU (their
cgroups) is apart. `--without-class` runs the same load again as strangers, on a site of their
own, for the class's share of that CPU.

**A warm class's burst (--burst).** A class of `--seats` is opened (the kernel host then holds
a ready kernel per seat): the bench waits until the site's kernel processes (under the web
process, with their seccomp filter) have grown by `--seats` and its CPU is quiet, and reports how
long that took. The teacher's view is open, as on the projector. Each student has the join form
loaded (untimed, its CSRF token); then all join within `--spread` seconds, each timed from its
own start: the join POST, its redirect to the student's page, the websocket, and
`tf.constant([1., 2., 3.]) + 1` to its result. The same number of strangers without a class
then arrive the same way on a fresh site with its default pool (a cold burst): `GET /` (their
page, which gives their cookie), the websocket, the same run. Both are reported whole and split
(page, websocket to first tensor; bench.burst times the latter alone).

Every simulated visitor comes from 127.0.0.1: the sites lift the per-address share of kernels
and of class joins (PLAYGROUND_CLASS_JOINS_PER_MINUTE), as running_site does for kernels. The
results go to bench/results/classroom-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .classburst import cold_strangers, warm_class
from .classes import Browser, join, open_class, site_env
from .cpu import kernels_cpu, kernels_cpu_s, process_cpu_s, wait_until_quiet
from .report import header, save_report
from .site import connect, execute, running_site, server_pid
from .stats import summary_ms
from .teacherview import TeacherView, Update

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

SETUP = "x = tf.constant([1., 2., 3.])"
SNIPPET = "x * 2 + 1"
MIXED_DTYPES = "x + tf.constant([1, 2, 3])"  # float32 + int32: InvalidArgumentError, with a hint
DRAIN_S = 5.0  # after the last run, how long the teacher's updates may still come


# --- pure helpers (tests/bench/test_bench_classroom.py) ------------------------------------------


@dataclass(frozen=True)
class Run:
    """One student's run: `number` is its session's count of runs once it began (the teacher's `runs`)."""

    name: str
    number: int
    sent: float
    done: float
    ok: bool


@dataclass
class Matched:
    from_done: list[float] = field(default_factory=list)
    from_send: list[float] = field(default_factory=list)
    missed: list[Run] = field(default_factory=list)  # no update reflected the run
    wrong_state: list[tuple[Run, Update]] = field(default_factory=list)  # e.g. an error shown as idle


def reflects(update: Update, run: Run) -> bool:
    """Whether the teacher's `update` shows `run` over: its count reached and no longer running
    (or a later run already counted)."""
    if update.name != run.name:
        return False
    return update.runs > run.number or (update.runs == run.number and update.state != "running")


def match_updates(runs: Iterable[Run], updates: Iterable[Update]) -> Matched:
    """Each run against the first update after its send that reflects it: seconds from its `done`
    at the student (negative when the teacher heard first) and from its send; runs no update
    reflected; and updates of exactly that run whose state disagrees with its outcome."""
    by_name: dict[str, list[Update]] = {}
    for update in sorted(updates, key=lambda u: u.at):
        by_name.setdefault(update.name, []).append(update)
    matched = Matched()
    for run in runs:
        found = next((u for u in by_name.get(run.name, []) if u.at >= run.sent and reflects(u, run)), None)
        if found is None:
            matched.missed.append(run)
            continue
        matched.from_done.append(found.at - run.done)
        matched.from_send.append(found.at - run.sent)
        if found.runs == run.number and found.state != ("idle" if run.ok else "error"):
            matched.wrong_state.append((run, found))
    return matched


def schedule(index: int, count: int, every_s: float, duration_s: float) -> list[float]:
    """When (seconds after the timed part starts) student `index` of `count` runs: every
    `every_s`, the students' first runs staggered evenly over the first period."""
    offset = every_s * index / count
    return [offset + every_s * i for i in range(math.ceil((duration_s - offset) / every_s))]


def fails(index: int, run: int, error_every: int) -> bool:
    """Whether student `index`'s `run`-th timed run mixes dtypes: one in `error_every`, staggered."""
    return error_every > 0 and (index + run) % error_every == 0


# --- the teacher's view under a class ----------------------------------------------------------


@dataclass
class Student:
    name: str
    websocket: ClientConnection
    runs: int = 0  # its session's runs so far


async def seat_students(base: str, code: str | None, count: int) -> list[Student]:
    """`count` students join `code` (None: strangers, no class) and run SETUP, ten at a time."""
    gate = asyncio.Semaphore(10)

    async def one(index: int) -> Student:
        async with gate:
            browser, name = Browser(base), f"student-{index:03d}"
            path = "/ws/session/"
            if code is None:
                await asyncio.to_thread(browser.get, "/")
            else:
                await asyncio.to_thread(browser.get, f"/c/{code}")
                path += "?class=" + await asyncio.to_thread(join, browser, code, name)
            websocket = await connect(base, browser.cookie(), path=path)
            messages = await execute(websocket, SETUP, uuid.uuid4().hex)
            assert messages[-1].get("ok"), messages
            return Student(name, websocket, runs=1)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def drive(students: list[Student], every_s: float, duration_s: float, error_every: int) -> list[Run]:
    runs: list[Run] = []
    start = time.perf_counter()

    async def one(index: int, student: Student) -> None:
        for i, at in enumerate(schedule(index, len(students), every_s, duration_s), start=1):
            await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
            student.runs += 1
            sent = time.perf_counter()
            code = MIXED_DTYPES if fails(index, i, error_every) else SNIPPET
            messages = await execute(student.websocket, code, f"r{i}")
            runs.append(Run(student.name, student.runs, sent, time.perf_counter(), bool(messages[-1].get("ok"))))

    await asyncio.gather(*(one(index, student) for index, student in enumerate(students)))
    return runs


async def class_view(args: argparse.Namespace, with_class: bool) -> dict:
    with running_site(site_env(args.students * 2), quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        view, code = None, None
        if with_class:
            teacher = Browser(base)
            code = await asyncio.to_thread(open_class, teacher, args.students)
            view = await TeacherView.open(base, teacher, code)
        students = await seat_students(base, code, args.students)
        await asyncio.to_thread(wait_until_quiet, pid, 300.0, 5)  # the pool's refill is not the runs' CPU
        idle_web = process_cpu_s(pid)
        await asyncio.sleep(args.idle)
        idle_web_per_s = (process_cpu_s(pid) - idle_web) / args.idle
        updates_before, frames_before, bytes_before = (
            (len(view.updates), view.frames, view.bytes) if view else (0, 0, 0)
        )
        web, kernels, client = process_cpu_s(pid), kernels_cpu(pid), time.process_time()
        started = time.perf_counter()
        runs = await drive(students, args.every, args.duration, args.error_every)
        if view is not None:
            deadline = time.perf_counter() + DRAIN_S
            while time.perf_counter() < deadline and match_updates(runs, view.updates).missed:
                await asyncio.sleep(0.1)
        timed_s = time.perf_counter() - started
        web, kernels_s = process_cpu_s(pid) - web, kernels_cpu_s(pid, since=kernels)
        client = time.process_time() - client
        frames, sent = (view.frames - frames_before, view.bytes - bytes_before) if view else (0, 0)
        if view is not None:
            await view.close()
        for student in students:
            await student.websocket.close()
    errors = sum(1 for run in runs if not run.ok)
    row: dict = {
        "class": with_class,
        "students": args.students,
        "runs": len(runs),
        "runs_failed": errors,
        "timed_s": round(timed_s, 1),
        "web_cpu_s": round(web, 3),
        "web_idle_cpu_per_s_ms": round(idle_web_per_s * 1000, 2),
        "web_cpu_per_run_ms": round(web / max(1, len(runs)) * 1000, 3),
        "web_cpu_per_run_less_idle_ms": round((web - idle_web_per_s * timed_s) / max(1, len(runs)) * 1000, 3),
        "kernel_cpu_per_run_ms": round(kernels_s / max(1, len(runs)) * 1000, 3),
        "client_cpu_per_run_ms": round(client / max(1, len(runs)) * 1000, 3),
        "run_latency": summary_ms([run.done - run.sent for run in runs]),
    }
    if view is not None:
        timed_updates = len(view.updates) - updates_before
        matched = match_updates(runs, view.updates)
        row |= {
            "code": code,
            "teacher_updates": timed_updates,
            "teacher_frames": frames,
            "teacher_bytes": sent,
            "web_cpu_per_update_ms": round(web / max(1, timed_updates) * 1000, 3),
            "update_latency_from_done": summary_ms(matched.from_done),
            "update_latency_from_send": summary_ms(matched.from_send),
            "runs_never_shown": len(matched.missed),
            "runs_shown_in_wrong_state": len(matched.wrong_state),
            "wrong_state_examples": [
                {"run": vars(run), "update": vars(update)} for run, update in matched.wrong_state[:3]
            ],
        }
    print(json.dumps(row), flush=True)
    return row


# --- the report --------------------------------------------------------------------------------


def table(report: dict) -> list[str]:
    """The short table printed at the end."""

    def ms(summary: dict | None, key: str) -> str:
        return f"{summary[key]:.0f}" if summary and summary.get("n") else "-"

    lines = []
    for row in report.get("view", []):
        what = "class" if row["class"] else "strangers (no class)"
        lines.append(
            f"view, {what}: {row['students']} students, {row['runs']} runs ({row['runs_failed']} errors); "
            f"run p50/p95 {ms(row['run_latency'], 'p50_ms')}/{ms(row['run_latency'], 'p95_ms')} ms; "
            f"web CPU {row['web_cpu_per_run_ms']:.2f} ms/run ({row['web_cpu_per_run_less_idle_ms']:.2f} less idle)"
        )
        if row["class"]:
            latency = row["update_latency_from_done"]
            lines.append(
                f"  teacher's update after done: p50 {ms(latency, 'p50_ms')} p95 {ms(latency, 'p95_ms')} "
                f"max {ms(latency, 'max_ms')} ms (goal p95 <= 1000); {row['teacher_updates']} updates, "
                f"web CPU {row['web_cpu_per_update_ms']:.2f} ms/update; never shown {row['runs_never_shown']}, "
                f"wrong state {row['runs_shown_in_wrong_state']}"
            )
    for key, what in (("warm_class", "warm class"), ("cold_strangers", "strangers, cold")):
        row = report.get(key)
        if row:
            whole = row["link_to_first_tensor"]
            lines.append(
                f"burst, {what}: {row['newcomers']} newcomers; link to first tensor p50 {ms(whole, 'p50_ms')} "
                f"p95 {ms(whole, 'p95_ms')} max {ms(whole, 'max_ms')} ms"
                + (" (goal p95 <= 300)" if key == "warm_class" else "")
            )
            lines.append(
                f"  p95 of its parts: join POST {ms(row['join_post'], 'p95_ms')}, page {ms(row['page'], 'p95_ms')}, "
                f"websocket to first tensor {ms(row['websocket_to_first_tensor'], 'p95_ms')} ms; "
                f"CPU per newcomer: web {row['web_cpu_per_newcomer_ms']} ms, "
                f"kernels {row['kernel_cpu_per_newcomer_ms']} ms"
                + (f"; {row['kernels_before']} kernels ready after {row['fill_s']} s" if "fill_s" in row else "")
            )
    return lines


async def main_async(args: argparse.Namespace) -> dict:
    # Room for every newcomer's blocking HTTP request at once: asyncio.to_thread's default pool
    # has cpus + 4 threads, which would queue a burst's page loads in the bench itself.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(args.students, args.seats) + 8)
    asyncio.get_running_loop().set_default_executor(pool)
    both = not args.view and not args.burst
    report: dict = header() | {"args": vars(args)}
    if args.view or both:
        report["view"] = [await class_view(args, with_class=True)]
        if args.without_class:
            report["view"].append(await class_view(args, with_class=False))
    if args.burst or both:
        report["warm_class"] = await warm_class(args)
        report["cold_strangers"] = await cold_strangers(args)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--view", action="store_true", help="the teacher's view under a class at work")
    parser.add_argument("--burst", action="store_true", help="a warm class's burst, and strangers' cold one")
    parser.add_argument("--students", type=int, default=60, help="students running snippets (--view)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of runs (--view)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a student's runs (--view)")
    parser.add_argument("--error-every", type=int, default=4, help="one run in N fails (0: none) (--view)")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds the idle web process is read (--view)")
    parser.add_argument("--without-class", action="store_true", help="the same load as strangers too (--view)")
    parser.add_argument("--seats", type=int, default=50, help="the class's seats and newcomers (--burst)")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which they arrive (--burst)")
    parser.add_argument("--fill-timeout", type=float, default=600.0, help="seconds to wait for held kernels")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    print("\n".join(table(report)))
    save_report(report, "classroom")


if __name__ == "__main__":
    main()
