"""Memory per idle session and capacity under load, for the playground and for Jupyter.

Sessions are opened level by level (25, 50, 100, ...), each holding `t = tf.ones([100, 100])`.
At each level, once they are open and idle, the server's process tree is measured (sum of PSS
and MemAvailable, see memory.py); then every session runs a small snippet about once a second
(jittered think time, a very active classroom) for a few rounds, and the latency of each run,
send to its result (playground `result`, Jupyter `execute_result`) and its end (`done` /
`execute_reply`), whichever comes last, is recorded. Capacity is the largest level whose runs
all answered with p95 under 1 s. Sessions stay open into the next level, so each level only
adds the new ones.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

from . import memory
from .jupyter import JupyterServer
from .site import connect, execute, session_cookie
from .stats import capacity, summary_ms

SETUP = "t = tf.ones([100, 100])"
SNIPPET = "t[0, :4] + 1"


class PlaygroundVisitor:
    name = "playground"

    def __init__(self, base: str):
        self.base = base

    async def open(self):
        cookie = await asyncio.to_thread(session_cookie, self.base)
        websocket = await connect(self.base, cookie)
        messages = await execute(websocket, SETUP, uuid.uuid4().hex)
        if not messages[-1].get("ok"):
            await websocket.close()
            raise RuntimeError(f"session refused: {messages[0]}")
        return websocket

    async def run(self, websocket) -> bool:
        messages = await execute(websocket, SNIPPET, uuid.uuid4().hex)
        return bool(messages[-1].get("ok")) and messages[0]["type"] == "result"

    async def close(self, websocket) -> None:
        await websocket.close()


class JupyterVisitor:
    name = "jupyter"

    def __init__(self, jupyter: JupyterServer):
        self.jupyter = jupyter

    async def open(self):
        kernel_id = await asyncio.to_thread(self.jupyter.start_kernel)
        session = await self.jupyter.connect(kernel_id)
        session.kernel_id = kernel_id
        out = await session.execute("import tensorflow as tf\n" + SETUP)
        if out["error"]:
            raise RuntimeError(f"kernel failed: {out['error']}")
        return session

    async def run(self, session) -> bool:
        out = await session.execute(SNIPPET, want_result=True)  # the answer the user sees
        return out["error"] is None

    async def close(self, session) -> None:
        await session.close()
        await asyncio.to_thread(self.jupyter.shutdown_kernel, session.kernel_id)


async def open_many(visitor, count: int, parallel: int) -> tuple[list, int]:
    """Open `count` sessions, `parallel` at a time; returns (opened, how many failed)."""
    gate = asyncio.Semaphore(parallel)

    async def one():
        async with gate:
            return await visitor.open()

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    opened = [r for r in results if not isinstance(r, BaseException)]
    return opened, len(results) - len(opened)


async def drive(visitor, sessions: list, rounds: int, think_s: float) -> dict:
    """Every session runs SNIPPET `rounds` times, pausing think_s ± 50 % between runs.

    The first round is also reported apart: a session's first run of the snippet is the first
    time its kernel meets that code (slicing, its result's printing), several times a later run."""
    by_round: list[list[float]] = [[] for _ in range(rounds)]
    errors = 0

    async def user(handle) -> None:
        nonlocal errors
        await asyncio.sleep(random.uniform(0, think_s))  # visitors do not all press Run at once
        for n in range(rounds):
            started = time.perf_counter()
            try:
                ok = await asyncio.wait_for(visitor.run(handle), 30)
            except Exception:
                ok = False
            by_round[n].append(time.perf_counter() - started)
            errors += not ok
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)

    started = time.perf_counter()
    await asyncio.gather(*(user(h) for h in sessions))
    wall = time.perf_counter() - started
    later = [t for times in by_round[1:] for t in times]
    return {
        **summary_ms(by_round[0] + later),
        "errors": errors,
        "runs_per_s": round((len(by_round[0]) + len(later)) / wall, 1),
        "first_round": summary_ms(by_round[0]),
        "later_rounds": summary_ms(later),
    }


async def grow(
    visitor,
    root_pid: int,
    levels: list[int],
    rounds: int = 5,
    think_s: float = 1.0,
    parallel: int = 10,
    reserve_kb: int = 4 << 20,
    guess_kb_per_session: int = 60 << 10,
) -> dict:
    """Memory and latency at each level; stops at the first level that misses 1 s p95 or would
    leave less than `reserve_kb` of memory available."""
    await asyncio.sleep(2)  # let the server settle (the playground's pool fills)
    base = memory.snapshot(root_pid)
    sessions: list = []
    rows = []
    per_session_kb = guess_kb_per_session
    stopped = None
    for level in levels:
        needed = (level - len(sessions)) * per_session_kb
        if memory.mem_available_kb() - needed < reserve_kb:
            stopped = f"memory guard: {level} sessions would leave under {reserve_kb >> 20} GiB available"
            break
        started = time.perf_counter()
        opened, failed = await open_many(visitor, level - len(sessions), parallel)
        sessions += opened
        open_s = time.perf_counter() - started
        await asyncio.sleep(3)  # idle: pools refilled, the last replies sent, the kernels quiet
        snap = memory.snapshot(root_pid)
        per_session_kb = max(1, (snap["tree_pss_kb"] - base["tree_pss_kb"]) // max(1, len(sessions)))
        row = {
            "sessions": len(sessions),
            "open_failed": failed,
            "open_s": round(open_s, 1),
            "pss_per_session_mb": round(per_session_kb / 1024, 1),
            "available_drop_per_session_mb": round(
                (base["mem_available_kb"] - snap["mem_available_kb"]) / 1024 / max(1, len(sessions)), 1
            ),
            "tree_pss_mb": round(snap["tree_pss_kb"] / 1024),
            "processes": snap["processes"],
        }
        row.update(await drive(visitor, sessions, rounds, think_s))
        row["errors"] += failed
        rows.append(row)
        print(
            f"  {visitor.name:<10} {row['sessions']:>4} sessions: p50 {row.get('p50_ms', 0):7.1f} ms  "
            f"p95 {row.get('p95_ms', 0):7.1f} ms  errors {row['errors']}  {row['runs_per_s']} runs/s  "
            f"PSS {row['pss_per_session_mb']} MB/session  opened in {row['open_s']} s",
            flush=True,
        )
        if failed or row["p95_ms"] >= 1000 or row["errors"]:
            stopped = f"{level} sessions: p95 {row['p95_ms']} ms, {row['errors']} errors"
            break
    await asyncio.gather(*(visitor.close(s) for s in sessions), return_exceptions=True)
    available_gb = base["mem_available_kb"] / 2**20
    memory_row = max(rows, key=lambda r: r["sessions"]) if rows else {}
    return {
        "base": base,
        "levels": rows,
        "capacity": capacity(rows),
        "stopped": stopped,
        "pss_per_session_mb": memory_row.get("pss_per_session_mb"),
        "available_drop_per_session_mb": memory_row.get("available_drop_per_session_mb"),
        "memory_sessions": memory_row.get("sessions"),
        "fit_in_available_memory": int(available_gb * 1024 / memory_row["pss_per_session_mb"]) if rows else None,
    }
