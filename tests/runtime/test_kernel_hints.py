"""Errors that teach (hints on `error`) and the session's names after each run (`variables`)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("code", "hint_code", "params"),
    [
        (
            "tf.constant(2.) + tf.constant(40)",
            "dtype_mix",
            {"a": "tf.constant(2.)", "a_dtype": "float32", "b": "tf.constant(40)", "b_dtype": "int32"},
        ),
        (
            "t2 = tf.constant(40., dtype=tf.float64)\ntf.constant(2.) + t2",
            "dtype_mix",
            {"b": "t2", "b_dtype": "float64", "fix": "tf.cast(t2, tf.float32)"},
        ),
        ("tf.sqrt(tf.constant(4))", "dtype_unsupported", {"op": "Sqrt", "dtype": "int32"}),
        ("tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))", "matmul_shapes", {"a": "(2, 3)", "b": "(2, 3)"}),
        ("tf.ones([2, 3]) + tf.ones([4])", "broadcast_shapes", {"a": "(2, 3)", "b": "(4,)", "da": "3", "db": "4"}),
        ("f.constant(42)", "name_suggest", {"name": "f", "suggestion": "tf"}),
        ("zzqqxx", "name_undefined", {"name": "zzqqxx"}),
        ("tf.squre(2.)", "attr_suggest", {"suggestion": "square"}),
    ],
)
async def test_common_mistakes_get_a_hint_with_the_operands(kernel, code, hint_code, params):
    run = await kernel.run(code)
    hint = run.error["hint"]
    assert hint["code"] == hint_code, hint
    assert hint["text"]
    for key, value in params.items():
        assert hint["params"][key] == value, hint


async def test_the_lessons_elision_and_a_model_loaded_without_custom_objects_get_hints(kernel):
    setup = """
def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(loss=huber_fn, optimizer="nadam")
X_train = np.random.rand(16, 3).astype("float32")
y_train = np.random.rand(16, 1).astype("float32")
"""
    assert (await kernel.run(setup)).done["ok"]
    run = await kernel.run("model.fit(X_train, y_train, [...])")
    assert run.error["hint"]["code"] == "elision"
    await kernel.run('model.fit(X_train, y_train, epochs=1, verbose=0)\nmodel.save("modelo.keras")')
    run = await kernel.run('keras.models.load_model("modelo.keras")')
    hint = run.error["hint"]
    assert hint["code"] == "custom_objects"
    assert hint["params"]["fix"] == 'keras.models.load_model("modelo.keras", custom_objects={"huber_fn": huber_fn})'


async def test_a_plain_error_has_no_hint(kernel):
    run = await kernel.run("1 / 0")
    assert run.error["hint"] is None


async def test_every_run_lists_the_sessions_names_before_done(kernel):
    run = await kernel.run("import math\nt = tf.zeros([2, 3])\nv = tf.Variable([1, 2])\nn = 42\n_hidden = 1")
    kinds = [m["type"] for m in run.messages]
    assert kinds[-2:] == ["variables", "done"]
    message = run.of("variables")[0]
    by_name = {v["name"]: v for v in message["variables"]}
    assert set(by_name) == {"t", "v", "n"}  # no modules, no private names, no tf / np / keras
    assert by_name["t"] == {"name": "t", "type": "EagerTensor", "kind": "tensor", "shape": [2, 3], "dtype": "float32"}
    assert by_name["v"]["kind"] == "variable" and by_name["v"]["dtype"] == "int32"
    assert by_name["n"]["value"] == "42"
    assert 10 * 2**20 < message["memory_bytes"] < 4 * 2**30


async def test_a_failed_run_still_lists_the_names(kernel):
    run = await kernel.run("kept = 1\n1 / 0")
    assert [v["name"] for v in run.of("variables")[0]["variables"]] == ["kept"]
