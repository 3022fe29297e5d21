"""Training progress without asking: every Keras fit/evaluate/predict streams `progress` messages.

`install()` wraps `keras.Model.fit`, `evaluate` and `predict` once per kernel: it adds a
throttled callback and silences Keras's text progress bar (which would flood the output with
carriage returns). Nothing changes for the user's own callbacks or arguments.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable

import keras

MIN_INTERVAL_S = 0.05  # at most ~20 batch updates a second; every epoch end is always sent

_state = threading.local()


def install(send: Callable[[dict], None], current_id: Callable[[], str | None]) -> None:
    for method, phase in (("fit", "fit"), ("evaluate", "evaluate"), ("predict", "predict")):
        original = getattr(keras.Model, method)
        if getattr(original, "_playground_wrapped", False):
            continue
        setattr(keras.Model, method, _wrap(original, phase, send, current_id))


def _wrap(original: Callable, phase: str, send: Callable, current_id: Callable) -> Callable:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        if getattr(_state, "active", False):  # fit calls evaluate for validation: report once
            return original(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return original(self, *args, **kwargs)  # let Keras explain the bad arguments
        arguments = bound.arguments
        if arguments.get("verbose", "auto") in ("auto", 1, True):
            arguments["verbose"] = 0
        callbacks = list(arguments.get("callbacks") or [])
        callbacks.append(ProgressCallback(phase, send, current_id()))
        arguments["callbacks"] = callbacks
        _state.active = True
        try:
            return original(*bound.args, **bound.kwargs)
        finally:
            _state.active = False

    wrapper._playground_wrapped = True
    return wrapper


class ProgressCallback(keras.callbacks.Callback):
    def __init__(self, phase: str, send: Callable[[dict], None], request_id: str | None):
        super().__init__()
        self.phase = phase
        self._send = send
        self._id = request_id
        self._last_sent = 0.0
        self._epoch = 0
        self._epoch_started = time.monotonic()

    # fit
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._epoch_started = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        self._maybe_send(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.monotonic() - self._epoch_started
        self._emit("epoch", self.params.get("steps"), logs, epoch_time_s=round(elapsed, 4))

    # evaluate and predict (fit's own validation runs are reported at epoch end)
    def on_test_batch_end(self, batch, logs=None):
        if self.phase == "evaluate":
            self._maybe_send(batch, logs)

    def on_test_end(self, logs=None):
        if self.phase == "evaluate":
            self._emit("end", self.params.get("steps"), logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._maybe_send(batch, None)

    def on_predict_end(self, logs=None):
        self._emit("end", self.params.get("steps"), None)

    def _maybe_send(self, batch: int, logs: dict | None) -> None:
        now = time.monotonic()
        if now - self._last_sent >= MIN_INTERVAL_S:
            self._emit("batch", batch + 1, logs)

    def _emit(self, event: str, step: int | None, logs: dict | None, **extra: object) -> None:
        self._last_sent = time.monotonic()
        epochs = self.params.get("epochs") if self.phase == "fit" else None
        self._send(
            {
                "type": "progress",
                "id": self._id,
                "phase": self.phase,
                "event": event,
                "epoch": self._epoch if self.phase == "fit" else None,
                "epochs": epochs,
                "step": step,
                "steps": self.params.get("steps"),
                "logs": _plain(logs),
                **extra,
            }
        )


def _plain(logs: dict | None) -> dict:
    plain = {}
    for key, value in (logs or {}).items():
        try:
            plain[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return plain
