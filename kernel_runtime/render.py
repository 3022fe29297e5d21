"""Turn a Python value into the protocol's structured `value`: kind, shape, dtype, values, repr.

One renderer per kind (tensor, variable, ndarray, shape, dtype, model) with capped `repr`
text as the fallback for everything else. Large arrays are summarised head/tail like NumPy
before anything is converted, so a 10**8-element tensor costs a few dozen leaves on the wire.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import figures, lossbench, modelcard, protocol

EDGE_ITEMS = 3
ELLIPSIS = "..."


class Caps:
    """Server-side caps on what one value may send (overridable through the kernel config)."""

    max_values = 1000  # leaves sent in full; beyond this the values are summarised
    max_repr_chars = 20_000
    max_stats_elements = 10_000_000


def render(value: object, caps: type[Caps] | Caps = Caps) -> dict:
    for accepts, renderer in _RENDERERS:
        if accepts(value):
            try:
                return renderer(value, caps)
            except Exception:  # a renderer must never turn a result into an error
                break
    return protocol.VALUE_TEXT(type=type(value).__name__, repr=safe_repr(value, caps))


def safe_repr(value: object, caps: type[Caps] | Caps = Caps) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # user-defined __repr__ may raise
        text = f"<{type(value).__name__} object; repr() failed: {exc!r}>"
    if len(text) > caps.max_repr_chars:
        cut = len(text) - caps.max_repr_chars
        text = text[: caps.max_repr_chars] + f"… [{cut:,} more characters]"
    return text


def _is_eager_tensor(value: object) -> bool:
    return isinstance(value, tf.Tensor) and hasattr(value, "numpy") and not isinstance(value, tf.Variable)


def _is_keras_variable(value: object) -> bool:
    return isinstance(value, keras.Variable) and not isinstance(value, tf.Variable)


def _array_value(
    shape: protocol.Message, value: object, array: np.ndarray, device: str | None, caps: Caps, **extra
) -> dict:
    fields = _array_fields(array, caps)
    return shape(type=type(value).__name__, device=device, **fields, **extra, repr=safe_repr(value, caps))


def _render_tensor(value: tf.Tensor, caps: Caps) -> dict:
    return _array_value(protocol.VALUE_TENSOR, value, value.numpy(), _short_device(value.device), caps)


def _render_tf_variable(value: tf.Variable, caps: Caps) -> dict:
    device = _short_device(value.device)
    return _array_value(
        protocol.VALUE_VARIABLE, value, value.numpy(), device, caps, name=value.name, trainable=bool(value.trainable)
    )


def _render_keras_variable(value: keras.Variable, caps: Caps) -> dict:
    array = keras.ops.convert_to_numpy(value)
    return _array_value(
        protocol.VALUE_VARIABLE, value, array, None, caps, name=value.path, trainable=bool(value.trainable)
    )


def _render_ndarray(value: np.ndarray | np.generic, caps: Caps) -> dict:
    return _array_value(protocol.VALUE_NDARRAY, value, np.asarray(value), None, caps)


def _render_shape(value: tf.TensorShape, caps: Caps) -> dict:
    dims = value.as_list() if value.rank is not None else None
    return protocol.VALUE_SHAPE(type="TensorShape", dims=dims, repr=safe_repr(value, caps))


def _render_dtype(value: tf.dtypes.DType, caps: Caps) -> dict:
    return protocol.VALUE_DTYPE(type="DType", name=value.name, repr=safe_repr(value, caps))


def _render_model(value: keras.Model, caps: Caps) -> dict:
    lines: list[str] = []
    value.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    summary = "\n".join(lines)[: caps.max_repr_chars]
    card = modelcard.card(value, caps.max_stats_elements)
    return protocol.VALUE_MODEL(
        type=type(value).__name__, name=value.name, **card, summary=summary, repr=safe_repr(value, caps)
    )


_RENDERERS: list[tuple[Callable[[object], bool], Callable]] = [
    (_is_eager_tensor, _render_tensor),
    (lambda v: isinstance(v, tf.Variable), _render_tf_variable),
    (_is_keras_variable, _render_keras_variable),
    (lambda v: isinstance(v, np.ndarray | np.generic), _render_ndarray),
    (lambda v: isinstance(v, tf.TensorShape), _render_shape),
    (lambda v: isinstance(v, tf.dtypes.DType), _render_dtype),
    (lambda v: isinstance(v, keras.Model), _render_model),
    (figures.is_figure, figures.render_value),
    (lossbench.is_report, lossbench.render_value),
]


def _short_device(device: str) -> str | None:
    if not device:
        return None
    return device.rsplit("device:", 1)[-1]


MAX_NESTED_RANK = 32  # values of higher ranks go flat: the host refuses messages nested past 64


def _array_fields(array: np.ndarray, caps: Caps) -> dict:
    convert = _leaf_converter(array.dtype)
    truncated = array.size > caps.max_values
    if array.ndim > MAX_NESTED_RANK:
        values = _full(array.reshape(-1)[: caps.max_values], convert)
    else:
        values = _summary(array, convert, [caps.max_values]) if truncated else _full(array, convert)
    return {
        "shape": list(array.shape),
        "dtype": _dtype_name(array.dtype),
        "size": int(array.size),
        "nbytes": int(array.nbytes),
        "values": values,
        "truncated": truncated,
        "stats": _stats(array, caps),
    }


def _dtype_name(dtype: np.dtype) -> str:
    if dtype.kind in "OSU":
        return "string"
    return dtype.name


def _full(array: np.ndarray, convert: Callable) -> object:
    if array.dtype.kind in "iub" or array.dtype == np.float64:
        return _finite_tree(array.tolist())
    return _nest([convert(x) for x in array.flat], array.shape)


def _nest(flat: list, shape: tuple) -> object:
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _summary(array: np.ndarray, convert: Callable, budget: list[int]) -> object:
    """Head and tail along every long axis, like NumPy's printing; `budget` bounds the leaves."""
    if array.ndim == 0:
        budget[0] -= 1
        return convert(array[()])
    n = array.shape[0]
    indices = list(range(n)) if n <= 2 * EDGE_ITEMS else [*range(EDGE_ITEMS), None, *range(n - EDGE_ITEMS, n)]
    out: list[object] = []
    for index in indices:
        if index is None:
            out.append(ELLIPSIS)
        elif budget[0] <= 0:
            if out[-1:] != [ELLIPSIS]:
                out.append(ELLIPSIS)
            break
        else:
            out.append(_summary(array[index], convert, budget))
    return out


def _finite_tree(value: object) -> object:
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, list):
        return [_finite_tree(v) for v in value]
    return value


def _finite(number: float) -> float | str:
    if math.isfinite(number):
        return number
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


def _leaf_converter(dtype: np.dtype) -> Callable[[Any], object]:
    kind = dtype.kind
    if kind == "f" or dtype.name == "bfloat16" or (kind == "V" and "float" in dtype.name):
        # str() of a float32 gives its shortest round-trip digits (0.1, not 0.10000000149011612)
        return lambda x: _finite(float(str(x)))
    if kind in "iu":
        return int
    if kind == "b":
        return bool
    if kind == "S":
        return lambda x: x.decode("utf-8", "replace")
    if kind == "O":
        return lambda x: x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
    return str


def _stats(array: np.ndarray, caps: Caps) -> dict | None:
    if array.dtype.kind not in "fiu" or array.size == 0 or array.size > caps.max_stats_elements:
        return None
    with np.errstate(all="ignore"):
        if array.dtype.kind == "f":
            nan = int(np.isnan(array).sum())
            inf = int(np.isinf(array).sum())
            finite = array[np.isfinite(array)] if nan or inf else array
        else:
            nan = inf = 0
            finite = array
        if finite.size == 0:
            return {"min": None, "max": None, "mean": None, "nan": nan, "inf": inf}
        low, high = finite.min(), finite.max()
        mean = float(finite.mean(dtype=np.float64))
    convert = _leaf_converter(array.dtype)
    return {"min": convert(low), "max": convert(high), "mean": _finite(mean), "nan": nan, "inf": inf}
