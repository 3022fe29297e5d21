"""A Keras model as a card: its layers as rows (name, type, output shape, parameters,
trainable) with totals, and each weight's statistics and histogram once the model is built.

Everything is capped here (layers, weights, text), and the host caps the message again: a
model with thousands of layers or huge weights still costs a few kilobytes on the wire.
"""

from __future__ import annotations

import keras
import numpy as np

MAX_LAYERS = 200  # rows of the card; the rest is counted in `layers_truncated`
MAX_WEIGHTS = 100  # weights with statistics
MAX_NAME_CHARS = 80
HISTOGRAM_BINS = 16


def card(model: keras.Model, max_stats_elements: int) -> dict:
    """The structured fields of a model `result` (see docs/protocol.md, `model`)."""
    built = bool(model.built)
    layers = list(model.layers)
    return {
        "params": model.count_params() if built else None,
        "trainable_params": _count(model.trainable_weights) if built else None,
        "non_trainable_params": _count(model.non_trainable_weights) if built else None,
        "layers": [_layer_row(layer) for layer in layers[:MAX_LAYERS]],
        "layers_truncated": max(0, len(layers) - MAX_LAYERS),
        "weights": _weights(model, max_stats_elements) if built else None,
    }


def _count(weights: list) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def _text(value: object) -> str:
    return str(value)[:MAX_NAME_CHARS]


def _layer_row(layer: keras.layers.Layer) -> dict:
    return {
        "name": _text(layer.name),
        "type": _text(type(layer).__name__),
        "output_shape": _output_shape(layer),
        "params": layer.count_params() if layer.built else 0,
        "trainable": bool(layer.trainable),
    }


def _output_shape(layer: keras.layers.Layer) -> str:
    """As model.summary() writes it, "(None, 16)"; "?" before the layer was called."""
    try:
        nodes = layer._inbound_nodes  # Sequential and functional models record their calls here
        if not nodes:
            return "?"
        shapes = [str(tuple(t.shape)) for t in keras.tree.flatten(nodes[0].output_tensors)]
    except Exception:  # a user's layer may break any of this: the card still shows
        return "?"
    return _text(shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]")


def _weights(model: keras.Model, max_stats_elements: int) -> list[dict]:
    rows: list[dict] = []
    for layer in model.layers:
        for weight in layer.weights:
            if len(rows) >= MAX_WEIGHTS:
                return rows
            rows.append(_weight_row(layer, weight, max_stats_elements))
    return rows


def _weight_row(layer: keras.layers.Layer, weight: keras.Variable, max_stats_elements: int) -> dict:
    row = {"layer": _text(layer.name), "name": _text(weight.name), "shape": [int(d) for d in weight.shape]}
    size = int(np.prod(weight.shape))
    if size == 0 or size > max_stats_elements:
        return {**row, "stats": None}
    array = np.asarray(keras.ops.convert_to_numpy(weight), dtype=np.float64).reshape(-1)
    return {**row, "stats": weight_stats(array)}


def weight_stats(array: np.ndarray) -> dict:
    """min, max, mean, std over the finite values, the NaN and Inf counts, and a histogram."""
    finite_mask = np.isfinite(array)
    finite = array[finite_mask]
    nan = int(np.isnan(array).sum())
    inf = int(array.size - finite.size - nan)
    if finite.size == 0:
        return {"min": None, "max": None, "mean": None, "std": None, "nan": nan, "inf": inf, "hist": []}
    low, high = float(finite.min()), float(finite.max())
    counts, _ = np.histogram(finite, bins=HISTOGRAM_BINS, range=(low, high) if high > low else (low - 0.5, low + 0.5))
    with np.errstate(all="ignore"):  # values near the float64 maximum overflow the mean: sent as "Infinity"
        mean, std = float(finite.mean()), float(finite.std())
    return {
        "min": low,
        "max": high,
        "mean": _json_number(mean),
        "std": _json_number(std),
        "nan": nan,
        "inf": inf,
        "hist": [int(c) for c in counts],
    }


def _json_number(x: float) -> float | str:
    return x if np.isfinite(x) else ("NaN" if np.isnan(x) else ("Infinity" if x > 0 else "-Infinity"))
