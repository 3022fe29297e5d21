"""The work the benches give the site: the code a visitor runs and the timed loops around it.

One copy of each, so that figures from different benches (`python -m bench`, bench.compare,
bench.fit, bench.burst) are of the very same work and can be set side by side in
docs/benchmarks.md. How the site is started and spoken to is in site.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

from .site import connect, execute, session_cookie

# What a playground session has imported before its first run; a plain process or a Jupyter
# kernel needs it said.
IMPORTS = "import numpy as np, tensorflow as tf, keras\n"
FIRST_TENSOR = "tf.constant([1., 2., 3.]) + 1"  # a new visitor's first run
T_SETUP = "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])"  # the round-trip benches' session
T_RUN = "t + 10"

# A 5-epoch fit of a small dense network; `elapsed` is the fit's own time, its first training
# step traced beforehand so that tracing is not timed. `{verbose}` chooses the progress.
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


async def set_up_t(websocket, warm_runs: int = 20) -> None:
    """Give the session `t` and run `t + 10` a few times (a kernel's first runs are slower)."""
    await execute(websocket, T_SETUP, "setup")
    for i in range(warm_runs):
        await execute(websocket, T_RUN, f"warm-{i}")


async def time_runs(websocket, count: int, pause_s: float = 0.0) -> list[float]:
    """Seconds from sending `t + 10` to its `done`, `count` times (the session has `t`)."""
    times = []
    for i in range(count):
        started = time.perf_counter()
        messages = await execute(websocket, T_RUN, f"rt-{i}")
        times.append(time.perf_counter() - started)
        assert messages[0]["value"]["values"][0][0] == 11.0, messages
        if pause_s:
            await asyncio.sleep(pause_s)
    return times


async def new_session(base: str, cookie: str) -> float:
    """Seconds from a visitor's websocket opening to its first tensor's result (the page load
    that gave `cookie` is not timed)."""
    started = time.perf_counter()
    async with await connect(base, cookie) as websocket:
        messages = await execute(websocket, FIRST_TENSOR, uuid.uuid4().hex)
        elapsed = time.perf_counter() - started
    assert messages[0]["type"] == "result", messages
    return elapsed


async def new_sessions(base: str, count: int, pause_s: float) -> list[float]:
    """`count` new visitors one after another, `pause_s` apart (1 s lets the pool refill between
    them, as between real visitors; 0 is back to back)."""
    times = []
    for _ in range(count):
        cookie = await asyncio.to_thread(session_cookie, base)
        times.append(await new_session(base, cookie))
        await asyncio.sleep(pause_s)
    return times


async def fit_in_session(base: str) -> tuple[float, int]:
    """FIT_CODE in a new session with the playground's live progress: its seconds and how many
    progress messages the page received."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        messages = await execute(websocket, FIT_CODE.format(verbose="verbose='auto'") + "elapsed", "fit")
    progress = sum(1 for m in messages if m["type"] == "progress")
    result = [m for m in messages if m["type"] == "result"][-1]
    return float(result["value"]["repr"]), progress


def in_plain_process(code: str) -> str:
    """Run `code` after IMPORTS in a plain `python -c` (no sandbox, no progress); its last line
    of output, where the code prints its figure."""
    out = subprocess.run([sys.executable, "-c", IMPORTS + code], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def fit_in_plain_process() -> float:
    """FIT_CODE's seconds in a plain process: what a sandboxed fit is measured against."""
    return float(in_plain_process(FIT_CODE.format(verbose="verbose=0") + "\nprint(elapsed)"))
