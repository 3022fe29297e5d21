"""A warm kernel that TensorFlow's configuration calls find as fresh as a new process until the
session's code has used a device.

A pooled kernel has run one op before anyone asks (worker._warm_up), so that a visitor's first
result is quick; but running an op initialises TensorFlow's context, after which the devices
and thread pools are fixed: `tf.config.set_visible_devices`, `set_logical_device_configuration`
(`experimental.set_virtual_device_configuration`), `experimental.set_memory_growth` and
`threading.set_intra_op/inter_op_parallelism_threads` raise RuntimeError. In a new Python
process they work until the first op (TensorFlow's guide `random_numbers.ipynb` starts so,
often after `tf.keras.utils.set_random_seed(42)` in a run of its own).

So each setter is wrapped: when it refuses because the context is initialised and the only op
that ever ran in this kernel is the warm-up's, the kernel puts the context back as it was before
that op (`context._reset_context()`: a new, uninitialised context; no tensor of the user's
exists, so none is left behind), carries over what the session set on the old one that needs
no device (the global seed, placement and optimizer options), re-applies the host's GPU choice
and calls the setter again. After that the context is the session's own and TensorFlow's
own rule applies exactly, as in a new process. Whether the session used a device is read
from TensorFlow's tensor-id counter (`ops.uid()`, which every tensor an op makes or takes
advances): untouched since the warm-up means no op ran. Only such sessions pay the reset (about
one first op, ~10-20 ms); every other one keeps the warm context. When a device was used, the
setter's error says why and what to do. On a GPU host the re-applied memory cap is a virtual
device configuration, so `set_memory_growth` is refused there as TensorFlow refuses it beside one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops

from . import devices

# (module, name) of every setter that only works before TensorFlow's first op.
SETTERS = (
    (tf.config, "set_visible_devices"),
    (tf.config, "set_logical_device_configuration"),
    (tf.config.experimental, "set_visible_devices"),
    (tf.config.experimental, "set_virtual_device_configuration"),
    (tf.config.experimental, "set_memory_growth"),
    (tf.config.threading, "set_intra_op_parallelism_threads"),
    (tf.config.threading, "set_inter_op_parallelism_threads"),
)
ADVICE = (
    "In the playground, TensorFlow's devices and threads can be configured only before the "
    "session's first TensorFlow operation, as in a new Python process: this session has run one "
    "already, so run these lines before any other TensorFlow operation (Restart, then run them first)."
)


# What a session may set on the context without a device, kept across the reset.
_CARRIED = (
    "_seed",
    "_rng",
    "_soft_device_placement",
    "_log_device_placement",
    "_device_policy",
    "_mirroring_policy",
    "_optimizer_jit",
    "_optimizer_experimental_options",
    "_operation_timeout_in_ms",
    "_enable_mlir_graph_optimization",
)


class FreshStart:
    """Knows whether the session has used a device, and gives it a fresh context while it has not."""

    def __init__(self, gpu: dict | None):
        self._gpu = gpu
        self._last_uid: int | None = None
        self._own_context = False  # after a reset: TensorFlow's own rule holds from then on

    def ready(self) -> None:
        """Called once the kernel's warm-up ran: every tensor made from now on is the session's."""
        self._last_uid = ops.uid()

    def reset_if_unused(self) -> bool:
        """A fresh context for a setter that found the warm one initialised; False when the
        session used a device (or the context is already its own, and TensorFlow is right)."""
        if self._own_context or self._last_uid is None or self._tensors_made():
            return False
        try:
            old = context.context()
            context._reset_context()
            _carry(old, context.context())
            devices.configure(self._gpu)
        except Exception:  # a TensorFlow without these private parts: the setter's explained error
            return False
        self._own_context = True
        return True

    def _tensors_made(self) -> bool:
        now = ops.uid()  # (asking advances the counter by one itself)
        made = self._last_uid is None or now != self._last_uid + 1
        self._last_uid = None if made else now  # once made, for good
        return made


def _carry(old: context.Context, new: context.Context) -> None:
    for name in _CARRIED:
        if name in vars(old):
            setattr(new, name, vars(old)[name])


_fresh: FreshStart | None = None  # the kernel's; the zygote never sets it


def install(fresh: FreshStart) -> None:
    """Wrap each setter so that it finds a fresh context while the session used no device, and
    its 'cannot be modified after initialization' error says why and what to do otherwise; once
    per kernel (the wrappers mark themselves)."""
    global _fresh
    _fresh = fresh
    for module, name in SETTERS:
        original = getattr(module, name)
        if not getattr(original, "_playground_explained", False):
            setattr(module, name, _explained(original))


def _explained(setter: Callable) -> Callable:
    @functools.wraps(setter)
    def wrapper(*args, **kwargs):
        try:
            return setter(*args, **kwargs)
        except RuntimeError as exc:
            if "initializ" not in str(exc):  # only the too-late errors are ours
                raise
            if _fresh is None or not _fresh.reset_if_unused():
                raise RuntimeError(f"{exc}\n{ADVICE}") from None
        try:
            return setter(*args, **kwargs)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{ADVICE}") from None

    wrapper._playground_explained = True  # type: ignore[attr-defined]
    return wrapper
