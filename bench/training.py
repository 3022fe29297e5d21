"""What live training progress costs (issue 4): a fit with many small batches, in a session with
progress streaming (batch updates, epoch ends with validation, elapsed time and ETA) against the
same fit in a plain Python process with no progress at all; and how many progress messages a
second reach the browser, whatever the batch count.

    .venv/bin/python -m bench.training [--fits 3]

Prints the figures and writes bench/results/training-<timestamp>.json (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import statistics
import time

from .report import header, save_report
from .site import connect, next_message, running_site, session_cookie
from .workloads import in_plain_process

# 16,000 training rows in batches of 8: 2,000 steps an epoch, 3 epochs, validation on 4,000.
TRAINING_CODE = """
import time
rng = np.random.default_rng(0)
X = rng.normal(size=(20000, 20)).astype("float32")
y = (X @ rng.normal(size=(20, 1))).astype("float32")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam", metrics=["mae"])
model.fit(X[:64], y[:64], epochs=1, verbose=0)  # trace the training step before timing
start = time.perf_counter()
model.fit(X, y, epochs=3, batch_size=8, validation_split=0.2, {verbose})
elapsed = time.perf_counter() - start
"""


# The same kernel, alternately with the playground's progress and with Keras's own fit (no
# progress callback at all), so the process, the sandbox and a busy moment
# on the machine are the same for both: what is left is the cost of the progress itself.
AB_CODE = (
    TRAINING_CODE.format(verbose="verbose=0")
    + """
import sys
progress = next(m for n, m in sys.modules.items() if n.endswith("runtime.progress"))
def bare_fit(*args, **kwargs):  # the progress wrapper steps aside while it is "active"
    progress._state.active = True
    try:
        return type(model).fit(*args, **kwargs)
    finally:
        progress._state.active = False
with_progress, without = [], []
for _ in range({repeats}):
    for fit, times in ((type(model).fit, with_progress), (bare_fit, without)):
        start = time.perf_counter()
        fit(model, X, y, epochs=1, batch_size=8, validation_split=0.2, verbose=0)
        times.append(time.perf_counter() - start)
with_progress, without
"""
)


async def progress_on_and_off(base: str, repeats: int) -> tuple[list[float], list[float]]:
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        code = AB_CODE.format(repeats=repeats)
        await websocket.send(json.dumps({"type": "execute", "id": "ab", "code": code}))
        while True:
            message = await next_message(websocket)
            if message.get("id") == "ab" and message["type"] == "result" and message["value"]["repr"][:2] == "([":
                on, off = ast.literal_eval(message["value"]["repr"])  # the last line's value
            if message.get("id") == "ab" and message["type"] == "error":
                raise RuntimeError(f"{message['ename']}: {message['evalue']}")
            if message.get("id") == "ab" and message["type"] == "done":
                return on, off


async def fit_in_session(base: str) -> dict:
    """The fit's own time, and the progress messages as the browser receives them, timestamped."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        code = TRAINING_CODE.format(verbose="verbose='auto'") + "elapsed"
        await websocket.send(json.dumps({"type": "execute", "id": "fit", "code": code}))
        arrivals, result = [], None
        while True:
            message = await next_message(websocket)
            if message.get("id") != "fit":
                continue
            if message["type"] == "progress" and message["phase"] == "fit":
                arrivals.append((time.perf_counter(), message["event"], message["elapsed_s"]))
            elif message["type"] == "result":
                result = message
            elif message["type"] == "done":
                break
    elapsed = float(result["value"]["repr"])
    return {
        "elapsed_s": elapsed,
        "messages": len(arrivals),
        "batch_messages": sum(1 for _, event, _ in arrivals if event == "batch"),
        "per_s": len(arrivals) / elapsed,
        # the most messages in any one second: as the kernel sent them (its own clock), and as
        # they reached the browser (where the transport may bunch them up)
        "busiest_second_sent": _busiest([sent for _, _, sent in arrivals]),
        "busiest_second_received": _busiest([received for received, _, _ in arrivals]),
    }


def _busiest(times: list[float]) -> int:
    return max(sum(1 for u in times if t <= u < t + 1.0) for t in times)


def plain_fit() -> float:
    return float(in_plain_process(TRAINING_CODE.format(verbose="verbose=0") + "\nprint(elapsed)"))


async def main_async(fits: int) -> dict:
    sessions, plain = [], []
    with running_site(quiet=True) as base:
        on, off = await progress_on_and_off(base, fits)
        for _ in range(fits):  # alternate, so a busy moment on the machine hits both ways alike
            sessions.append(await fit_in_session(base))
            plain.append(await asyncio.to_thread(plain_fit))
    return summarise(sessions, plain, on, off)


def summarise(sessions: list[dict], plain: list[float], on: list[float], off: list[float]) -> dict:
    """Print the figures; the report: fits in sessions and plain, the same kernel with and without progress."""
    in_session = statistics.median(s["elapsed_s"] for s in sessions)
    ratio = in_session / statistics.median(plain)
    print(f"3-epoch fit, 6,000 steps, in a session   median={in_session:.3f} s")
    print(f"the same fit, plain process            median={statistics.median(plain):.3f} s  ratio={ratio:.3f}x")
    same = statistics.median(on) / statistics.median(off)
    print(f"same kernel, fit with progress vs without: {statistics.median(on):.3f} s vs {statistics.median(off):.3f} s")
    pairwise = statistics.median(a / b for a, b in zip(on, off, strict=True))
    print(f"  ratio={same:.3f}x (median over median; pairwise {pairwise:.3f}x)")
    for s in sessions:
        print(
            f"  progress: {s['messages']} messages ({s['batch_messages']} batch), {s['per_s']:.1f}/s over the fit, "
            f"busiest second {s['busiest_second_sent']} sent, {s['busiest_second_received']} received"
        )
    return header() | {
        "in_session_s": [s["elapsed_s"] for s in sessions],
        "plain_s": plain,
        "ratio": ratio,
        "same_kernel": {"with_progress_s": on, "without_s": off, "ratio": same},
        "progress": sessions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=3, help="repeats of the fit, each way")
    report = asyncio.run(main_async(parser.parse_args().fits))
    save_report(report, "training")


if __name__ == "__main__":
    main()
