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
import weakref
from collections.abc import Callable

import keras

from . import fitsettings, protocol

MIN_INTERVAL_S = 0.05  # at most ~20 batch updates a second; every epoch end is always sent

_state = threading.local()
# Every epoch each model finished, across all its fits (a stopped fit's included): Keras gives
# each fit a new History, so after Stop and a second fit the first one's epochs would be lost.
_logs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def training_log(model: keras.Model) -> dict[str, list]:
    """All epochs `model` finished, over all its fits: {"fit": [1, 1, 2, ...], "loss": [...], ...}."""
    return {key: list(values) for key, values in _logs.get(model, {}).items()}


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
        call = {"batch_size": _batch_size(arguments)} if phase == "fit" else {}
        callbacks.append(ProgressCallback(phase, send, current_id(), call))
        arguments["callbacks"] = callbacks
        _state.active = True
        try:
            return original(*bound.args, **bound.kwargs)
        finally:
            _state.active = False

    wrapper.__dict__["_playground_wrapped"] = True  # how install() knows a method is wrapped already
    return wrapper


class ProgressCallback(keras.callbacks.Callback):
    # Keras may call the batch hooks on a worker thread, so the training loop never waits for its
    # logs to be turned into floats (a batch-level callback otherwise makes every step wait).
    # Safe: sending only enqueues, and the counters feed nothing but the ETA.
    async_safe = True

    def __init__(self, phase: str, send: Callable[[dict], None], request_id: str | None, call: dict | None = None):
        super().__init__()
        self.phase = phase
        self._call = call  # the fit's arguments worth showing; sent once, with its first epoch
        self._send = send
        self._id = request_id
        self._last_sent = 0.0
        self._epoch = 0
        self._epoch_started = self._started = time.monotonic()
        self._first_epoch: int | None = None
        self._batches = 0  # train batches done in this fit, for the ETA

    # fit
    def on_train_begin(self, logs=None):
        self._started = time.monotonic()
        log = _logs.setdefault(self.model, {"fit": []})
        self._fit_number = (log["fit"][-1] if log["fit"] else 0) + 1

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._epoch_started = time.monotonic()
        if self._first_epoch is None:
            self._first_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        self._maybe_send(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.monotonic() - self._epoch_started
        self._record(logs)
        extra: dict = {"epoch_time_s": round(elapsed, 4), "lr": fitsettings.learning_rate(self.model)}
        if self._call is not None:
            extra["settings"] = fitsettings.settings(self.model, self._call)
            self._call = None
        self._emit("epoch", self.params.get("steps"), logs, **extra)

    def on_train_end(self, logs=None):
        # Not reached when the fit is stopped: the run's `done` ends its widget then.
        self._emit("end", None, logs)

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

    def _record(self, logs: dict | None) -> None:
        log = _logs.setdefault(self.model, {"fit": []})
        log["fit"].append(getattr(self, "_fit_number", 1))
        for key, value in _plain(logs).items():
            series = log.setdefault(key, [])
            series.extend([float("nan")] * (len(log["fit"]) - 1 - len(series)))  # a metric new in this fit
            series.append(value)

    def _timing(self) -> dict:
        """Seconds since the fit began and an estimate of the seconds left (null when unknown)."""
        elapsed = time.monotonic() - self._started
        steps, epochs = self.params.get("steps"), self.params.get("epochs")
        eta = None
        if steps and epochs and self._batches:
            total = (epochs - (self._first_epoch or 0)) * steps
            eta = round(max(total - self._batches, 0) * elapsed / self._batches, 2)
        return {"elapsed_s": round(elapsed, 3), "eta_s": eta}

    def _emit(self, event: str, step: int | None, logs: dict | None, **extra: object) -> None:
        self._last_sent = time.monotonic()
        epochs = self.params.get("epochs") if self.phase == "fit" else None
        if self.phase == "fit":
            extra = {**extra, **self._timing()}
        epoch = self._epoch if self.phase == "fit" else None
        counts = {"epoch": epoch, "epochs": epochs, "step": step, "steps": self.params.get("steps")}
        self._send(protocol.PROGRESS(id=self._id, phase=self.phase, event=event, **counts, logs=_plain(logs), **extra))


def _batch_size(arguments: dict) -> int | None:
    """What fit will use: the argument, Keras's 32 for arrays, unknown for datasets and generators."""
    size = arguments.get("batch_size")
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    return 32 if size is None and hasattr(arguments.get("x"), "shape") else None


def _plain(logs: dict | None) -> dict:
    plain = {}
    for key, value in (logs or {}).items():
        try:
            plain[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return plain
