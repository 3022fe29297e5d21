"""The loss bench: `bench_loss(fn)` checks a custom loss the ways Keras uses it (real kernels)."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.slow

HUBER = """
def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    is_small_error = tf.abs(error) < 1
    squared_loss = tf.square(error) / 2
    linear_loss = tf.abs(error) - 0.5
    return tf.where(is_small_error, squared_loss, linear_loss)
"""


def checks(run) -> dict[str, dict]:
    value = run.results[max(run.results)]
    assert value["kind"] == "lossbench", value
    return {c["name"]: c for c in value["checks"]}


async def test_the_lessons_huber_loss_passes_every_check_and_matches_keras_huber(kernel):
    run = await kernel.run(HUBER + "bench_loss(huber_fn)")
    assert run.done["ok"], run.error
    value = run.results[8]
    assert value["ok"] is True and value["reference"] == "keras.losses.Huber"
    found = checks(run)
    for name in ("(B,) float32", "(B, 1) float32", "(B,) float64", "(B, 1) float64"):
        assert found[name]["status"] == "ok", found[name]
    assert "(32, 1)" in found["(B, 1) float32"]["detail"] and "element-wise" in found["(B, 1) float32"]["detail"]
    assert found["against keras.losses.Huber"]["status"] == "ok"
    assert found["edges (NaN/Inf)"]["status"] == "ok"
    assert found["tf.function"]["status"] == "ok" and found["one training step"]["status"] == "ok"
    assert found["y_true (B,), y_pred (B, 1)"]["status"] == "note"  # broadcasts to (B, B) if called directly
    assert base64.b64decode(value["plot"]["png_b64"]).startswith(b"\x89PNG")
    assert value["repr"].startswith("Loss bench for huber_fn")


async def test_a_loss_that_differs_from_its_reference_is_flagged_where_it_differs(kernel):
    code = "def my_huber(y_true, y_pred):\n    return tf.abs(y_true - y_pred)\nbench_loss(my_huber)"
    found = checks(await kernel.run(code))
    assert found["against keras.losses.Huber"]["status"] == "fail"
    assert "differs by" in found["against keras.losses.Huber"]["detail"]


async def test_nan_at_zero_error_is_found_at_the_edges(kernel):
    code = "def root_loss(y_true, y_pred):\n    return tf.sqrt(tf.square(y_true - y_pred))\nbench_loss(root_loss)"
    found = checks(await kernel.run(code))
    assert found["edges (NaN/Inf)"]["status"] == "fail" and "at errors 0" in found["edges (NaN/Inf)"]["detail"]


async def test_a_loss_that_raises_is_a_finding_and_the_session_goes_on(kernel):
    code = "def broken(y_true, y_pred):\n    raise ValueError('nope')\nreport = bench_loss(broken)\nreport.ok"
    run = await kernel.run(code)
    assert run.done["ok"] and run.results[4]["repr"] == "False"
    found = checks(await kernel.run("report"))
    assert found["(B,) float32"]["status"] == "fail" and "ValueError: nope" in found["(B,) float32"]["detail"]
    assert found["one training step"]["status"] == "fail"


async def test_a_loss_with_the_wrong_shape_fails_and_a_scalar_loss_warns(kernel):
    code = (
        "def outer(y_true, y_pred):\n    return tf.reshape(y_true, (-1, 1)) - tf.reshape(y_pred, (1, -1))\n"
        "def scalar(y_true, y_pred):\n    return tf.reduce_mean(tf.square(y_true - y_pred))\n"
        "a, b = bench_loss(outer), bench_loss(scalar)\n"
        "a"
    )
    run = await kernel.run(code)
    assert checks(run)["(B,) float32"]["status"] == "fail" and "(32, 32)" in checks(run)["(B,) float32"]["detail"]
    assert checks(await kernel.run("b"))["(B,) float32"]["status"] == "warn"


async def test_a_float32_constant_breaks_float64_and_says_so(kernel):
    code = "def fixed(y_true, y_pred):\n    return tf.abs(y_true - y_pred) * tf.constant(2.0)\nbench_loss(fixed)"
    found = checks(await kernel.run(code))
    assert found["(B,) float32"]["status"] == "ok"
    assert found["(B,) float64"]["status"] == "fail"


async def test_a_reference_can_be_named_or_passed(kernel):
    code = (
        "def sq(y_true, y_pred):\n    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)\n"
        "bench_loss(sq, reference='mse')\n"
    )
    found = checks(await kernel.run(code))
    assert found["against keras.losses.MeanSquaredError"]["status"] == "ok"


async def test_something_that_is_not_a_function_is_refused_clearly(kernel):
    run = await kernel.run("bench_loss(42)")
    assert run.error["ename"] == "TypeError" and "loss function" in run.error["evalue"]
