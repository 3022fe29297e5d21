"""Frame times of the page while a long fit streams into the training panel (issue 15).

    .venv/bin/python -m bench.chart_frames [--epochs 10000] [--paced-s 30] [--repeats 3]

Starts the real site and, in Debian's Chromium, runs real fits through the real websocket:

1. `long`: a fit of --epochs epochs at full speed (one batch an epoch, validation every fifth:
   ~100 epochs a second, far above the issue's 20 points a second), its curves drawn as they come;
2. `paced`: with that run's curves still on screen (10,000 points a line), a second fit overlaid,
   its epochs paced at about 20 a second by a callback, for --paced-s seconds.

A requestAnimationFrame loop in the page records every frame's interval, the time the page's own
frame callbacks take (the panel's redraw among them) and the long tasks (over 50 ms on the main
thread); each phase reports their percentiles, the frames over 50 ms (a visible stutter) and the
machine's load average (the machine is shared: a busy one delays frames whatever the page does).
Headless Chromium draws at 60 Hz: 16.7 ms is a frame on time. Figures go in docs/benchmarks.md
("Training you can read").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from .site import running_site
from .stats import percentile

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# A repeated dataset with steps_per_epoch keeps one iterator for the whole fit: an epoch is a few
# milliseconds, where arrays cost a new tf.data iterator (~50 ms here) each epoch.
SETUP = """
X = np.random.default_rng(0).uniform(-2, 2, size=(32, 1)).astype("float32")
data = tf.data.Dataset.from_tensor_slices((X, 3 * X + 2)).batch(32).repeat()
model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam", metrics=["mae"])
fit = dict(steps_per_epoch=1, validation_data=data.take(1), validation_freq=5)
"""
LONG = "model.fit(data, epochs={epochs}, **fit)\nNone"
PACED = """import time
pace = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: time.sleep(0.045))
model.fit(data, epochs=int({seconds} * 20), callbacks=[pace], **fit)
None"""
# The bench's own probe (the page itself defines no globals), installed before the page's scripts:
# every frame's interval, the time each requestAnimationFrame callback of the page takes (the
# panel's redraw, the progress widget's), and the long tasks.
PROBE = """
const probe = (window.__frames = { intervals: [], work: [], long: [], on: false });
const raf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => raf((now) => {
  const start = performance.now();
  callback(now);
  if (probe.on) probe.work.push(performance.now() - start);
});
let last = performance.now();
const tick = (now) => { if (probe.on) probe.intervals.push(now - last); last = now; raf(tick); };
raf(tick);
new PerformanceObserver((list) => probe.on && probe.long.push(...list.getEntries().map((e) => e.duration)))
  .observe({ type: 'longtask' });
"""
START = "() => Object.assign(window.__frames, { intervals: [], work: [], long: [], on: true })"
STOP = "() => { window.__frames.on = false; return window.__frames; }"


def summary(probe: dict, seconds: float, epochs: int) -> dict:
    frames, work = probe["intervals"], probe["work"] or [0.0]
    return {
        "epochs_per_s": round(epochs / seconds, 1),
        "frames": len(frames),
        "frame_p50_ms": round(statistics.median(frames), 1),
        "frame_p95_ms": round(percentile(frames, 95), 1),
        "frame_p99_ms": round(percentile(frames, 99), 1),
        "frame_max_ms": round(max(frames), 1),
        "frames_over_50ms": sum(f > 50 for f in frames),
        "work_p50_ms": round(statistics.median(work), 2),
        "work_p99_ms": round(percentile(work, 99), 2),
        "work_max_ms": round(max(work), 1),
        "long_tasks": len(probe["long"]),
        "load_avg_1min": round(os.getloadavg()[0], 1),
    }


async def run_phase(page, code: str, epochs: int) -> dict:
    done = await page.locator(".run.is-ok, .run.is-failed").count()
    await page.evaluate("c => document.querySelector('.CodeMirror').CodeMirror.setValue(c)", code)
    await page.evaluate(START)
    started = time.monotonic()
    await page.click("#run")
    await page.locator(".run.is-ok, .run.is-failed").nth(done).wait_for(timeout=900_000)
    result = summary(await page.evaluate(STOP), time.monotonic() - started, epochs)
    if await page.locator(".run.is-failed").count():
        raise RuntimeError(await page.locator("#output").inner_text())
    return result


async def measure(base: str, epochs: int, paced_s: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.add_init_script(PROBE)
        await page.goto(base + "/")
        await page.wait_for_selector("#run:not([disabled])", timeout=120_000)
        await run_phase(page, SETUP + "None", 0)
        figures = {"long": await run_phase(page, LONG.format(epochs=epochs), epochs)}
        figures["paced"] = await run_phase(page, PACED.format(seconds=paced_s), int(paced_s * 20))
        epochs_drawn = await page.evaluate(
            "() => [...document.querySelectorAll('#training table.runs tbody tr')].map((r) => r.cells[6].textContent)"
        )
        figures["epochs_listed"] = epochs_drawn
        await browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--paced-s", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with running_site({"PLAYGROUND_MAX_KERNELS_PER_CLIENT": "50"}, quiet=True) as base:
        for repeat in range(args.repeats):
            figures = asyncio.run(measure(base, args.epochs, args.paced_s))
            print(json.dumps({"repeat": repeat + 1, **figures}), flush=True)


if __name__ == "__main__":
    main()
