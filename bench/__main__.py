"""Benchmarks of the core figures, against the real site over real websockets.

    make bench                      # or: .venv/bin/python -m bench [--sessions N] [--round-trips N]

Prints a table and writes bench/results/<timestamp>.json. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import time
import uuid

from .site import connect, execute, running_site, session_cookie, set_up_t, time_runs
from .stats import percentile, save_report

FIT_CODE = """
import time
rng = np.random.default_rng(0)
X = rng.normal(size=(20000, 20)).astype("float32")
y = (X @ rng.normal(size=(20, 1))).astype("float32")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(X[:64], y[:64], epochs=1, verbose=0)  # trace the training step before timing
start = time.perf_counter()
model.fit(X, y, epochs=5, batch_size=32, {verbose})
elapsed = time.perf_counter() - start
"""


async def new_session_to_first_tensor(base: str, sessions: int, pause_s: float) -> list[float]:
    """A new visitor: first page load's cookie, websocket open, first tensor result back."""
    times = []
    for _ in range(sessions):
        cookie = await asyncio.to_thread(session_cookie, base)
        started = time.perf_counter()
        async with await connect(base, cookie) as websocket:
            messages = await execute(websocket, "tf.constant([1., 2., 3.]) + 1", uuid.uuid4().hex)
            times.append(time.perf_counter() - started)
            assert messages[0]["type"] == "result", messages
        await asyncio.sleep(pause_s)  # let the pool refill, as between real visitors
    return times


async def round_trips(base: str, count: int) -> list[float]:
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        await set_up_t(websocket)
        return await time_runs(websocket, count)


async def fit_in_session(base: str) -> tuple[float, int]:
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        messages = await execute(websocket, FIT_CODE.format(verbose="verbose='auto'") + "elapsed", "fit")
        progress = sum(1 for m in messages if m["type"] == "progress")
        result = [m for m in messages if m["type"] == "result"][-1]
        return float(result["value"]["repr"]), progress


def fit_in_plain_process() -> float:
    script = "import numpy as np, tensorflow as tf, keras\n" + FIT_CODE.format(verbose="verbose=0")
    script += "\nprint(elapsed)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def summarise(name: str, seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    row = {
        "figure": name,
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "min_ms": min(ms),
        "mean_ms": statistics.fmean(ms),
    }
    print(
        f"{name:<38} n={row['n']:<4} p50={row['p50_ms']:8.2f} ms  p95={row['p95_ms']:8.2f} ms  "
        f"min={row['min_ms']:8.2f} ms"
    )
    return row


async def main_async(args: argparse.Namespace) -> dict:
    report: dict = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S"), "figures": []}
    with running_site(quiet=True) as base:
        figures = report["figures"]
        pooled = await new_session_to_first_tensor(base, args.sessions, pause_s=1.0)
        figures.append(summarise("new session -> first tensor (pool warm)", pooled))
        burst = await new_session_to_first_tensor(base, args.sessions, pause_s=0.0)
        figures.append(summarise("new session -> first tensor (back to back)", burst))
        figures.append(summarise("round trip of t + 10", await round_trips(base, args.round_trips)))
        fit_runs = [await fit_in_session(base) for _ in range(args.fits)]
    plain = [fit_in_plain_process() for _ in range(args.fits)]
    in_session = [seconds for seconds, _ in fit_runs]
    ratio = statistics.median(in_session) / statistics.median(plain)
    print(
        f"{'5-epoch fit, in a session':<38} median={statistics.median(in_session):.3f} s "
        f"({fit_runs[0][1]} progress messages)"
    )
    print(f"{'5-epoch fit, plain process':<38} median={statistics.median(plain):.3f} s  ratio={ratio:.3f}x")
    figures.append(
        {
            "figure": "5-epoch fit",
            "in_session_s": in_session,
            "plain_s": plain,
            "ratio": ratio,
            "progress_messages": fit_runs[0][1],
        }
    )
    return report


def machine() -> dict:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sessions", type=int, default=20, help="new sessions per start-up figure")
    parser.add_argument("--round-trips", type=int, default=300, help="t + 10 round trips")
    parser.add_argument("--fits", type=int, default=3, help="repeats of the 5-epoch fit, each way")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    save_report(report, "core")


if __name__ == "__main__":
    main()
