"""A warm kernel that TensorFlow's configuration calls still find as fresh as a new process.

A pooled kernel has run one op before anyone asks (worker._warm_up), so that a visitor's first
result is quick; but running an op initialises TensorFlow's context, after which the devices
and thread pools are fixed: `tf.config.set_visible_devices`, `set_logical_device_configuration`
(`experimental.set_virtual_device_configuration`), `experimental.set_memory_growth` and
`threading.set_intra_op/inter_op_parallelism_threads` raise RuntimeError. In a new Python
process or a new Jupyter kernel they work as a notebook's first statements (TensorFlow's guide
`random_numbers.ipynb` starts so).

So when a kernel's first run calls one of them, the kernel first puts TensorFlow's context back
as it was before the warm-up op (`context._reset_context()`: a new, uninitialised context; no
tensor of the user's exists yet, so none is left behind) and re-applies the host's GPU choice.
The run then behaves exactly as in a new process: the configuration takes, and a configuration
call after an op of the same run fails as it would there. Every other session keeps the warm
context: the reset costs about one first op (~10-20 ms) and only such sessions pay it. A
configuration call in a later run, after the session's ops, cannot work in any process; its
error then says why and what to do. On a GPU host the re-applied memory cap is a virtual device
configuration, so `set_memory_growth` is refused there as TensorFlow refuses it beside one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import tensorflow as tf
from tensorflow.python.eager import context

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
_CALLS = re.compile(r"\b(?:" + "|".join(sorted({name for _, name in SETTERS})) + r")\b")
ADVICE = (
    "In the playground, TensorFlow's devices and threads can be configured only before the "
    "session's first TensorFlow operation, as in a new Python process: make these lines the "
    "first run of a session (Restart, then run them first)."
)


class FreshStart:
    """Gives a kernel's first run a fresh TensorFlow context when it configures TensorFlow."""

    def __init__(self, gpu: dict | None):
        self._gpu = gpu
        self._first_run = True

    def before_run(self, code: str) -> bool:
        """Called before each run's code; True when it reset TensorFlow's context for it."""
        first, self._first_run = self._first_run, False
        if not (first and configures_tensorflow(code)):
            return False
        try:
            context._reset_context()
            devices.configure(self._gpu)
        except Exception:  # a TensorFlow without this private call: the run gets the explained error
            return False
        return True


def configures_tensorflow(code: str) -> bool:
    """Whether `code` names one of the setters (a name in a comment or string counts too: a
    needless reset costs one first op, a missed one a RuntimeError)."""
    return _CALLS.search(code) is not None


def explain_errors() -> None:
    """Wrap each setter so that its 'cannot be modified after initialization' error says why and
    what to do in the playground; once per kernel (the wrappers mark themselves)."""
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
            if "initializ" not in str(exc):  # only the too-late errors get the advice
                raise
            raise RuntimeError(f"{exc}\n{ADVICE}") from None

    wrapper._playground_explained = True  # type: ignore[attr-defined]
    return wrapper
