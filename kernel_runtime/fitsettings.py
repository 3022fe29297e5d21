"""A fit's settings as the training panel lists them, read from the model and the call.

Read at the first epoch's end, when Keras has built the model and its optimizer. User code may
have put anything there (a loss that is a lambda, an optimizer of its own): every read is
guarded, every text capped, and a setting that cannot be read is null.
"""

from __future__ import annotations

import math
from typing import Any

import keras

MAX_TEXT_CHARS = 80


def settings(model: keras.Model, call: dict) -> dict:
    """{"model", "optimizer", "learning_rate" (a schedule's first), "schedule", "loss", "batch_size", "params"}."""
    optimizer = getattr(model, "optimizer", None)
    schedule: Any = getattr(optimizer, "_learning_rate", None)  # Keras keeps a schedule object here
    is_schedule = isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule)
    return {
        "model": _guard(lambda: _text(model.name)),
        "optimizer": _guard(lambda: _name(optimizer)) if optimizer is not None else None,
        "learning_rate": _guard(lambda: _number(schedule(0))) if is_schedule else learning_rate(model),
        "schedule": _text(type(schedule).__name__) if is_schedule else None,
        "loss": _guard(lambda: _name(model.loss)),
        "batch_size": call.get("batch_size"),
        "params": _guard(model.count_params),
    }


def learning_rate(model: keras.Model) -> float | None:
    """The optimizer's learning rate now (a schedule's value at the current step), or None."""

    return _guard(lambda: _number(model.optimizer.learning_rate))


def _number(tensor: object) -> float | None:
    """A float32's 7 significant digits (0.005, not 0.004999999888241291); None if not finite."""
    value = float(f"{float(keras.ops.convert_to_numpy(tensor)):.7g}")
    return value if math.isfinite(value) else None


def _guard(read):
    try:
        return read()
    except Exception:  # a setting the page cannot show is no reason to disturb the fit
        return None


def _name(obj: object) -> str | None:
    """ "mse", a function's name, a Loss or optimizer's class name; several joined by commas."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return _text(obj)
    if isinstance(obj, list | tuple):
        return _text(", ".join(str(_name(o)) for o in obj))
    if isinstance(obj, dict):
        return _text(", ".join(f"{k}: {_name(v)}" for k, v in obj.items()))
    name = getattr(obj, "__name__", None)
    return _text(name if isinstance(name, str) else type(obj).__name__)


def _text(value: object) -> str:
    return str(value)[:MAX_TEXT_CHARS]
