"""The GPU check's steps, each with real kernels of a real kernel host; each returns the
figures it measured (plain JSON values) and judges nothing: verdict.py does.

A kernel's slice is read off the host's own inventory (pool.gpus: which device holds which
kernel's slice), so what a kernel sees is compared with where the host placed it.
"""

from __future__ import annotations

import asyncio
import os
import statistics

from kernels.gpu import CONTROL_NODES, Device

from .client import Session
from .smi import Smi

# In the kernel: its GPU driver nodes, the GPUs TensorFlow lists, and what CUDA was told.
ISOLATION_PROBE = """
import json as _json, os as _os
_nodes = ['/dev/' + _n for _n in _os.listdir('/dev') if _n.startswith('nvidia') and _n != 'nvidia-caps']
if _os.path.isdir('/dev/nvidia-caps'):
    _nodes += ['/dev/nvidia-caps/' + _n for _n in _os.listdir('/dev/nvidia-caps')]
_json.dumps({"nodes": sorted(_nodes), "tf_gpus": [d.name for d in tf.config.list_logical_devices('GPU')],
             "physical_gpus": len(tf.config.list_physical_devices('GPU')),
             "visible": _os.environ.get('CUDA_VISIBLE_DEVICES'), "tf_version": tf.__version__,
             "tf_build": {_k: str(_v) for _k, _v in tf.sysconfig.get_build_info().items()
                          if _k in ('cuda_version', 'cudnn_version', 'is_cuda_build')}})
"""
KEEP = "keep = tf.random.stateless_uniform((512, 512), seed=(1, 2))\nfloat(tf.reduce_sum(keep))"
KEPT = "import json as _json\n_json.dumps([float(tf.reduce_sum(keep)), keep.device])"
ALLOCATE = "big = tf.zeros(({count},), tf.float32)\nbig.device"  # float32: 4 bytes
ALIVE = "tf.constant(2.0) * 21"
FIT = """
import time as _time
_rng = np.random.default_rng(0)
X = _rng.normal(size=(8192, 32)).astype("float32")
y = (X @ _rng.normal(size=(32, 1))).astype("float32")
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(256, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(X[:64], y[:64], epochs=1, verbose=0)  # trace the training step before timing
_start = _time.perf_counter()
model.fit(X, y, epochs=5, batch_size=64, verbose=0)
_time.perf_counter() - _start
"""
PREDICT = "model(X[:4])"
OPERAND = "t = tf.random.stateless_uniform((512, 512), seed=(3, 4))\nt @ t"
OPERATION = "t @ t"
ROUND_TRIPS = 20


def device_of(host, session: Session) -> Device | None:
    """The inventory device holding the slice of the session's kernel; None: it runs on the CPU."""
    kernel = session.kernel
    if kernel is None:
        return None
    return next((d for d in host.pool.gpus.devices if kernel.name in d.holders), None)


def expected_nodes(device: Device | None) -> list[str]:
    """What the kernel's /dev must hold of the driver: its device's nodes and the control nodes,
    those that exist on this machine (isolate.py gives no node the machine lacks)."""
    if device is None:
        return []
    return sorted(n for n in (*device.nodes, *CONTROL_NODES) if os.path.exists(n))


async def fill(host, most: int, opened: list[Session]) -> tuple[list[Session], Session | None]:
    """Sessions opened one by one until one's kernel gets no slice (the overflow), at most `most`,
    each added to `opened` at once (to be closed however the check ends). Returns the sessions
    holding slices, and the overflow."""
    placed: list[Session] = []
    for number in range(most):
        await ready_kernel(host)
        session = Session(host, f"s{number}")
        opened.append(session)
        await session.attach()
        if device_of(host, session) is None:
            return placed, session
        placed.append(session)
    return placed, None


async def ready_kernel(host, wait_s: float = 60.0) -> None:
    """Until the pool holds a ready kernel (or `wait_s` passed: a full host makes none). A new
    session then takes that kernel, the one forked first: had it to wait, a kernel started for it
    could overtake the pool's, and a slice taken at the pool's fork would go to no session."""
    for _ in range(int(wait_s / 0.05)):
        if host.pool.ready:
            return
        await asyncio.sleep(0.05)


def placement(host, sessions: list[Session]) -> list[dict]:
    """Where each session's kernel is: its device, and what CUDA names it by."""
    rows = []
    for session in sessions:
        device = device_of(host, session)
        kernel = session.kernel
        rows.append(
            {
                "session": session.label,
                "device": device.index if device is not None else None,
                "visible": (device.visible or str(device.index)) if device is not None else "",
                "exclusive": bool(device and device.exclusive),
                "host_pid": kernel.host_pid if kernel is not None else None,
            }
        )
    return rows


def holders(host) -> list[dict]:
    """Each device's slots and the kernels holding its slices, now."""
    return [
        {"device": d.index, "slots": d.slots, "holders": len(d.holders), "exclusive": d.exclusive}
        for d in host.pool.gpus.devices
    ]


async def isolation(host, sessions: list[Session]) -> list[dict]:
    """Each kernel's view of the GPU driver and TensorFlow's GPUs, beside what it should see."""
    rows = []
    for session in sessions:
        seen = (await session.run(ISOLATION_PROBE)).json()
        device = device_of(host, session)
        rows.append(
            {
                "session": session.label,
                "device": device.index if device is not None else None,
                "expected_nodes": expected_nodes(device),
                "expected_visible": (device.visible or str(device.index)) if device is not None else "",
                **seen,
                "status": device_status(session.status),
            }
        )
    return rows


async def slice_limit(host, hog: Session, neighbour: Session, slice_mb: int) -> dict:
    """The hog allocates half again its slice while the neighbour holds a tensor: the hog's own
    run gets the error, its kernel lives on, the neighbour's tensor is unchanged."""
    before = (await neighbour.run(KEEP)).literal()
    count = slice_mb * 3 // 2 * 2**20 // 4
    allocation = await hog.run(ALLOCATE.format(count=count))
    alive = await hog.run(ALIVE)
    after, device = (await neighbour.run(KEPT)).json()
    error = allocation.error
    same = device_of(host, hog) is device_of(host, neighbour)
    return {
        "allocated_mb": slice_mb * 3 // 2,
        "slice_mb": slice_mb,
        "error": {"ename": error["ename"], "evalue": error["evalue"][:500]} if error else None,
        "allocated_on": str(allocation.literal()).rsplit("device:", 1)[-1] if error is None else None,
        "hog_alive": alive.error is None and alive.value is not None and alive.value["repr"].startswith("<tf.Tensor"),
        "neighbour_same_device": same,
        "neighbour_before": before,
        "neighbour_after": after,
        "neighbour_device": device,
    }


async def work(session: Session) -> dict:
    """A 5-epoch Keras fit and the round trip of a 512x512 matmul, timed; the devices they ran on."""
    fit = await session.run(FIT)
    prediction = await session.run(PREDICT)
    operand = await session.run(OPERAND)
    trips = [await session.run(OPERATION) for _ in range(ROUND_TRIPS)]
    failed = next((r.error for r in (fit, prediction, operand, *trips) if r.error), None)
    return {
        "fit_s": fit.literal() if fit.error is None else None,
        "fit_output_device": prediction.value["device"] if prediction.value else None,
        "op_device": trips[-1].value["device"] if trips[-1].value else None,
        "round_trip_ms": round(statistics.median(r.seconds for r in trips) * 1000, 3),
        "error": f"{failed['ename']}: {failed['evalue'][:300]}" if failed else None,
        "status": device_status(session.status),
    }


async def restart(host, session: Session, smi: Smi | None) -> dict:
    """Restart a kernel holding a slice: its process leaves the GPU and the device's used memory
    does not grow by the new kernel's (nvidia-smi's figures; None without nvidia-smi)."""
    device, old = device_of(host, session), session.kernel
    old_pid = old.host_pid if old is not None else None
    before = smi.used_mb() if smi else None
    pids_before = smi.pids() if smi else None
    status = await session.restart()
    after = await settled(smi) if smi else None
    pids_after = smi.pids() if smi else None
    index = device.index if device is not None else None
    return {
        "device": index,
        "old_pid": old_pid,
        "old_pid_seen_before": _holds(pids_before, old_pid),
        "old_pid_seen_after": _holds(pids_after, old_pid),
        "used_before_mb": before[index] if before and index is not None else None,
        "used_after_mb": after[index] if after and index is not None else None,
        "new_kernel_state": status["state"],
    }


async def settled(smi: Smi, wait_s: float = 10.0) -> list[int] | None:
    """Used memory once it stops falling (a process's memory is freed a moment after it ends)."""
    last = smi.used_mb()
    for _ in range(int(wait_s / 0.5)):
        await asyncio.sleep(0.5)
        now = smi.used_mb()
        if now == last:
            return now
        last = now
    return last


def _holds(pids: dict[int, int] | None, pid: int | None) -> bool | None:
    return None if pids is None or pid is None else pid in pids


def device_status(status: dict) -> dict:
    """What the session bar shows of the kernel's device."""
    kernel = status.get("kernel") or {}
    return {key: kernel.get(key) for key in ("device", "gpu", "device_note")}
