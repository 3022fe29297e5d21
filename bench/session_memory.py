"""What a session's kernel holds after typical work: the figure behind PLAYGROUND_MEMORY_REQUEST_BYTES.

    .venv/bin/python -m bench.session_memory [--sessions 3]

Each workload runs in new sessions of the real site, and the kernel's cgroup is read after it
(memory now, and the peak: what the cgroup's limit must leave room for). The lesson is the seven
built-in examples in one session, in order (the seed lesson, with its fits and its saved model);
"optimizers" is modelled on TensorFlow's optimizer guide (optimizers written as tf.Module, run
on a 2-D loss and drawn with matplotlib over a fine grid), which cannot be fetched here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from playground import examples

from .report import header, save_report
from .site import connect, execute, running_site, server_pid, session_cookie

OPTIMIZERS = """
import matplotlib.pyplot as plt

def loss(x):
    return 2 * (x[0] ** 2) + 0.5 * tf.sin(4 * x[1]) + 0.25 * (x[1] ** 2)

class GradientDescent(tf.Module):
    def __init__(self, learning_rate=1e-3):
        self.learning_rate = learning_rate
    def apply_gradients(self, grads, variables):
        for grad, var in zip(grads, variables):
            var.assign_sub(self.learning_rate * grad)

class Momentum(tf.Module):
    def __init__(self, learning_rate=1e-3, momentum=0.7):
        self.learning_rate, self.momentum, self.change = learning_rate, momentum, 0.0
    def apply_gradients(self, grads, variables):
        for grad, var in zip(grads, variables):
            self.change = self.learning_rate * grad + self.momentum * self.change
            var.assign_sub(self.change)

def path_of(optimizer, steps=2000):
    x = tf.Variable([1.8, 1.8])
    seen = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            value = loss(x)
        optimizer.apply_gradients(tape.gradient(value, [x]), [x])
        seen.append(x.numpy().copy())
    return np.array(seen)

paths = {name: path_of(opt) for name, opt in
         [("gd", GradientDescent(1e-2)), ("momentum", Momentum(1e-2)), ("adam-like", Momentum(3e-2, 0.9))]}
grid = tf.linspace(-2.0, 2.0, 1500)
X, Y = tf.meshgrid(grid, grid)
Z = loss(tf.stack([X, Y]))
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, (name, seen) in zip(axes, paths.items()):
    ax.contourf(X.numpy(), Y.numpy(), Z.numpy(), levels=40)
    ax.plot(seen[:, 0], seen[:, 1], "r-")
    ax.set_title(name)
fig
"""


def lesson() -> list[str]:
    return [path.read_text() for path in sorted((examples.FOLDER / "en").glob("*.py"))]


WORKLOADS = {"lesson": lesson, "optimizers": lambda: [OPTIMIZERS]}


def kernel_memory(server: int) -> dict[str, tuple[int, int]]:
    """(now, peak) bytes of each of the server's kernels, from their cgroups (v1 or v2)."""
    found = {}
    root = Path("/sys/fs/cgroup")
    for folder in root.glob(f"**/playground-kernels/kernel-{server}-*"):
        with contextlib.suppress(OSError, ValueError):
            if (folder / "memory.usage_in_bytes").exists():
                now = int((folder / "memory.usage_in_bytes").read_text())
                peak = int((folder / "memory.max_usage_in_bytes").read_text())
            else:
                now = int((folder / "memory.current").read_text())
                peak_file = folder / "memory.peak"
                peak = int(peak_file.read_text()) if peak_file.exists() else now
            found[folder.name] = (now, peak)
    return found


async def one_session(base: str, server: int, codes: list[str]) -> tuple[int, int]:
    websocket = await connect(base, session_cookie(base))
    for n, code in enumerate(codes):
        await execute(websocket, code, f"step-{n}")  # the lesson's types example fails on purpose
    memory = kernel_memory(server)
    await websocket.close()
    # The session's kernel is the one holding most: the pool's ready kernels hold ~14 MiB each.
    return max(memory.values())


async def main(args: argparse.Namespace) -> None:
    report = header() | {"workloads": {}}
    with running_site({"PLAYGROUND_POOL_SIZE": "2"}, quiet=True) as base:
        server = server_pid(base.rsplit(":", 1)[1])
        for name, codes in WORKLOADS.items():
            seen = [await one_session(base, server, codes()) for _ in range(args.sessions)]
            mib = {
                "now_mib": [round(now / 2**20) for now, _ in seen],
                "peak_mib": [round(peak / 2**20) for _, peak in seen],
            }
            report["workloads"][name] = mib
            print(name, mib, flush=True)
    save_report(report, "session-memory")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
