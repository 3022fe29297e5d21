"""A bench for custom loss functions: `bench_loss(huber_fn)` in a session.

It calls the loss the ways Keras will and reports what it finds, as a `lossbench` value: the
output shape for batches of shape (B,) and (B, 1) in float32 and float64 and whether that
reduces the way Keras expects; agreement with a reference (keras.losses.Huber for a Huber loss,
found by name, or the one passed); NaN or Inf in the value or gradient at the edges (error 0,
tiny and huge errors); the same result under tf.function; and one training step with it. A loss
that raises or returns the wrong shape is a finding in the report, never a crash of the bench.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from . import figures, protocol

BATCH = 32
CURVE = np.linspace(-4, 4, 401, dtype=np.float32)
NEAR_EDGES = (0.0, 1e-7, -1e-7, 1.0, -1.0, 1e3, -1e3)
FAR_EDGES = (1e6, -1e6, 1e20, -1e20)
_REFERENCES = {
    "huber": ("keras.losses.Huber", lambda t, p: keras.losses.huber(t, p, delta=1.0)),
    "mse": ("keras.losses.MeanSquaredError", keras.losses.mean_squared_error),
    "mean_squared_error": ("keras.losses.MeanSquaredError", keras.losses.mean_squared_error),
    "mae": ("keras.losses.MeanAbsoluteError", keras.losses.mean_absolute_error),
    "mean_absolute_error": ("keras.losses.MeanAbsoluteError", keras.losses.mean_absolute_error),
    "log_cosh": ("keras.losses.LogCosh", keras.losses.log_cosh),
}


@dataclass
class Check:
    name: str
    status: str  # ok, note, warn or fail
    detail: str


@dataclass
class LossBenchReport:
    """What bench_loss found; `ok` is False when any check failed."""

    name: str
    reference: str | None
    checks: list[Check] = field(default_factory=list)
    plot: dict | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def summary(self) -> str:
        failed = sum(c.status == "fail" for c in self.checks)
        warned = sum(c.status == "warn" for c in self.checks)
        return f"Loss bench for {self.name}: {len(self.checks)} checks, {failed} failed, {warned} warnings"

    def __repr__(self) -> str:
        marks = {"ok": "✓", "note": "·", "warn": "!", "fail": "✗"}
        lines = [self.summary()] + [f"  {marks.get(c.status, '?')} {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)


def is_report(value: object) -> bool:
    return isinstance(value, LossBenchReport)


def render_value(report: LossBenchReport, caps=None) -> dict:
    checks = [{"name": c.name, "status": c.status, "detail": c.detail} for c in report.checks]
    return protocol.VALUE_LOSS_REPORT(
        type="LossBenchReport",
        name=report.name,
        reference=report.reference,
        ok=report.ok,
        checks=checks,
        plot=report.plot,
        repr=repr(report),
    )


def bench_loss(fn: Callable, reference: object = None) -> LossBenchReport:
    """Check a loss function `fn(y_true, y_pred)`; `reference` is a name ("huber", "mse",
    "mae"), a loss function or a keras.losses.Loss to compare with (by default found from
    fn's name)."""
    if not callable(fn):
        raise TypeError(f"bench_loss needs a loss function fn(y_true, y_pred); got a {type(fn).__name__}")
    name = getattr(fn, "__name__", None) or type(fn).__name__
    label, ref = _reference(reference, name)
    report = LossBenchReport(name, label)
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=BATCH)
    y_pred = y_true + rng.normal(scale=2.0, size=BATCH)  # errors on both sides of ±1
    for dtype in (tf.float32, tf.float64):
        for shape in ((BATCH,), (BATCH, 1)):
            report.checks.append(_shape_check(fn, y_true.reshape(shape), y_pred.reshape(shape), dtype))
    report.checks.append(_mixed_rank_check(fn, y_true, y_pred))
    if ref is not None:
        report.checks.append(_reference_check(fn, ref, label))
    report.checks.append(_edges_check(fn))
    report.checks.append(_graph_check(fn, y_true.reshape(-1, 1), y_pred.reshape(-1, 1)))
    report.checks.append(_training_step_check(fn))
    report.plot = _plot(fn, name, ref, label)
    return report


def _reference(reference: object, name: str) -> tuple[str | None, Callable | None]:
    if reference is None:
        lowered = name.lower()
        key = "huber" if "huber" in lowered else lowered
        return _REFERENCES.get(key, (None, None))
    if isinstance(reference, str):
        if reference.lower() not in _REFERENCES:
            raise ValueError(f"unknown reference {reference!r}; use one of {', '.join(_REFERENCES)} or a function")
        return _REFERENCES[reference.lower()]
    if callable(reference):
        return getattr(reference, "name", None) or getattr(reference, "__name__", type(reference).__name__), reference
    raise TypeError("reference must be a name such as 'huber', a loss function or a keras.losses.Loss")


def _call(fn: Callable, y_true, y_pred, dtype=tf.float32) -> tf.Tensor:
    return tf.convert_to_tensor(fn(tf.constant(y_true, dtype), tf.constant(y_pred, dtype)))


def _failure(what: str, exc: BaseException) -> Check:
    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return Check(what, "fail", f"raised {type(exc).__name__}: {message}")


def _shape_check(fn: Callable, y_true: np.ndarray, y_pred: np.ndarray, dtype: tf.DType) -> Check:
    shape = "(B,)" if y_true.ndim == 1 else "(B, 1)"
    what = f"{shape} {dtype.name}"
    try:
        out = _call(fn, y_true, y_pred, dtype)
    except Exception as exc:
        return _failure(what, exc)
    got = tuple(out.shape)
    text = f"returns {_shape_text(got)} {out.dtype.name}"
    if got == (BATCH,):
        status, detail = "ok", f"{text}: one loss per sample, like Keras's own losses"
    elif got == y_true.shape:
        status, detail = "ok", f"{text}: element-wise; Keras averages it (its own losses average the last axis)"
    elif got == ():
        status, detail = "warn", f"{text}: a scalar; training works, but sample_weight cannot weigh single samples"
    else:
        status = "fail"
        detail = f"{text} for inputs {_shape_text(y_true.shape)}: Keras would average all of it, almost never intended"
    if out.dtype != dtype:
        status = "fail" if status == "fail" else "warn"
        detail += f"; the dtype changed from {dtype.name}"
    if not np.all(np.isfinite(out.numpy())):
        status, detail = "fail", f"{text} with NaN or Inf on ordinary data"
    return Check(what, status, detail)


def _mixed_rank_check(fn: Callable, y_true: np.ndarray, y_pred: np.ndarray) -> Check:
    what = "y_true (B,), y_pred (B, 1)"
    try:
        out = _call(fn, y_true, y_pred.reshape(-1, 1))
    except Exception as exc:
        return Check(what, "note", f"raised {type(exc).__name__} called directly; compile() aligns ranks first")
    if tuple(out.shape) == (BATCH, BATCH):
        detail = "broadcasts to (B, B) when called directly; compile() aligns the ranks first, so only direct calls do"
        return Check(what, "note", detail)
    return Check(what, "ok", f"returns {_shape_text(tuple(out.shape))}")


def _reference_check(fn: Callable, ref: Callable, label: str | None) -> Check:
    what = f"against {label}"
    y_true = np.zeros((len(CURVE), 1), np.float32)
    y_pred = -CURVE.reshape(-1, 1)
    try:
        mine = _per_sample(_call(fn, y_true, y_pred))
        theirs = _per_sample(_call(ref, y_true, y_pred))
    except Exception as exc:
        return _failure(what, exc)
    if mine is None or theirs is None or mine.shape != theirs.shape:
        return Check(what, "note", "not compared: the outputs are not one value per sample")
    gap = np.abs(mine.astype(np.float64) - theirs)
    worst = int(np.argmax(gap))
    if gap[worst] <= 1e-5 * max(1.0, float(np.abs(theirs[worst]))):
        return Check(what, "ok", f"matches to {gap[worst]:.1e} for errors from -4 to 4")
    at = f"at error {CURVE[worst]:g} ({mine[worst]:.4g} vs {theirs[worst]:.4g})"
    return Check(what, "fail", f"differs by {gap[worst]:.4g} {at}")


def _edges_check(fn: Callable) -> Check:
    what = "edges (NaN/Inf)"
    edges = np.array(NEAR_EDGES + FAR_EDGES, np.float32)
    try:
        loss, grad = _loss_and_gradient(fn, edges)
    except Exception as exc:
        return _failure(what, exc)
    if loss is None:
        return Check(what, "note", "not checked: the output is not one value per sample")
    bad = [float(e) for e, v, g in zip(edges, loss, grad, strict=True) if not (np.isfinite(v) and np.isfinite(g))]
    if not bad:
        return Check(what, "ok", "value and gradient finite at errors 0, ±1e-7, ±1, ±1e3, ±1e6, ±1e20")
    near = [e for e in bad if abs(e) <= 1e3]
    status = "fail" if near else "warn"
    return Check(what, status, f"NaN or Inf in the value or gradient at errors {', '.join(f'{e:g}' for e in bad)}")


def _graph_check(fn: Callable, y_true: np.ndarray, y_pred: np.ndarray) -> Check:
    what = "tf.function"
    try:
        eager = _call(fn, y_true, y_pred).numpy()
        graph = tf.function(fn)(tf.constant(y_true, tf.float32), tf.constant(y_pred, tf.float32))
        graph = tf.convert_to_tensor(graph).numpy()
    except Exception as exc:
        return _failure(what, exc)
    if graph.shape == eager.shape and np.allclose(graph, eager, rtol=1e-5, atol=1e-6, equal_nan=True):
        return Check(what, "ok", "same result in graph mode (as compile() runs it)")
    return Check(what, "warn", "the result differs in graph mode: Python-side state or randomness?")


def _training_step_check(fn: Callable) -> Check:
    what = "one training step"
    rng = np.random.default_rng(1)
    x = rng.normal(size=(BATCH, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], np.float32)).reshape(-1, 1)
    model = keras.Sequential(
        [keras.Input((4,), name="lossbench_input"), keras.layers.Dense(1, name="lossbench_dense")],
        name="lossbench_model",
    )
    try:
        model.compile(loss=fn, optimizer=keras.optimizers.SGD(0.01))
        before = model.get_weights()[0].copy()
        loss = float(np.asarray(model.train_on_batch(x, y)).reshape(-1)[0])
    except Exception as exc:
        return _failure(what, exc)
    if not np.isfinite(loss):
        return Check(what, "fail", f"the loss was {loss}")
    if np.array_equal(before, model.get_weights()[0]):
        return Check(what, "fail", f"loss {loss:.4g}, but the weights did not move: is the gradient zero or cut?")
    return Check(what, "ok", f"compile() and train_on_batch work: loss {loss:.4g}, weights updated")


def _per_sample(out: tf.Tensor) -> np.ndarray | None:
    values = out.numpy()
    return values.reshape(-1) if values.size == len(CURVE) else None


def _loss_and_gradient(fn: Callable, errors: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Loss and dLoss/dy_pred at each error (y_true 0, y_pred -error), one sample each."""
    y_true = tf.zeros((len(errors), 1), tf.float32)
    y_pred = tf.Variable(-errors.reshape(-1, 1))
    with tf.GradientTape() as tape:
        out = tf.convert_to_tensor(fn(y_true, y_pred))
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, y_pred)
    values = out.numpy()
    if values.size != len(errors):
        return None, np.array([])
    grad_values = np.zeros(len(errors), np.float32) if grad is None else grad.numpy().reshape(-1)
    return values.reshape(-1), grad_values


def _plot(fn: Callable, name: str, ref: Callable | None, label: str | None) -> dict | None:
    try:
        loss, grad = _loss_and_gradient(fn, CURVE)
        ref_curves = _loss_and_gradient(ref, CURVE) if ref is not None else (None, None)
    except Exception:
        return None
    if loss is None:
        return None
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 2.6))
    for index, (title, mine, theirs) in enumerate(
        (("loss", loss, ref_curves[0]), ("gradient d loss / d y_pred", grad, ref_curves[1]))
    ):
        axes = figure.add_subplot(1, 2, index + 1)
        axes.plot(CURVE, mine, label=name, color="#0550ae")
        if theirs is not None:
            axes.plot(CURVE, theirs, "--", label=label, color="#bc4c00")
        axes.set_title(title, fontsize=9)
        axes.set_xlabel("error = y_true - y_pred", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
    figure.axes[0].legend(fontsize=7)
    figure.tight_layout()
    data, width, height = figures.png(figure, dpi=80)
    return {"png_b64": base64.b64encode(data).decode("ascii"), "width": width, "height": height}


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
