"""Which device a kernel computes on, decided by the host (see gpu.py) and applied here before
TensorFlow runs its first op, which is when it picks its devices for good."""

from __future__ import annotations

import os

import tensorflow as tf


def configure(gpu: dict | None) -> None:
    """Name the assigned GPU or MIG instance, capped at the assigned memory; or no GPU at all.
    The boundary is the kernel's /dev, which holds only that device's nodes (isolate.py): this
    only spares CUDA from probing devices it cannot open."""
    os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu.get("visible", gpu["index"])) if gpu else ""
    if gpu is None:
        return
    physical = tf.config.list_physical_devices("GPU")
    if physical:
        limit = tf.config.LogicalDeviceConfiguration(memory_limit=int(gpu["memory_limit_mb"]))
        tf.config.set_logical_device_configuration(physical[0], [limit])


def describe(gpu: dict | None, cpu_reason: str) -> dict:
    """The `device` part of the kernel's info, shown in the session bar."""
    if tf.config.list_logical_devices("GPU"):  # the page needs the slice, not device paths or UUIDs
        return {"device": "GPU", "gpu": {key: gpu[key] for key in ("index", "memory_limit_mb")} if gpu else None}
    if gpu is not None:
        return {"device": "CPU", "gpu": None, "device_note": "a GPU slice was assigned but no GPU is visible"}
    return {"device": "CPU", "gpu": None, "device_note": cpu_reason}
