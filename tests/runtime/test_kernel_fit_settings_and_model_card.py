"""What the training panel and the model card are drawn from, produced by real kernels: a fit's
settings and learning rate, its end, and a model as a table of layers with weight statistics."""

from __future__ import annotations

import pytest

from kernel_runtime import modelcard, protocol

pytestmark = pytest.mark.slow

LESSON_MODEL = """
X_train = np.random.default_rng(42).uniform(-2, 2, size=(200, 1)).astype("float32")
y_train = 3 * X_train + 2
model = keras.Sequential([
    keras.Input((1,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
"""


def epochs_of(run) -> list[dict]:
    return [m for m in run.of("progress") if m["event"] == "epoch"]


async def test_a_fit_sends_its_settings_with_its_first_epoch_and_the_learning_rate_with_every_epoch(kernel):
    await kernel.run(LESSON_MODEL + 'model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.05), metrics=["mae"])')
    run = await kernel.run("model.fit(X_train, y_train, epochs=3, batch_size=20, validation_split=0.25)\nNone")
    assert run.done["ok"], run.error
    epochs = epochs_of(run)
    assert epochs[0]["settings"] == {
        "model": "sequential",
        "optimizer": "SGD",
        "learning_rate": 0.05,
        "schedule": None,
        "loss": "mse",
        "batch_size": 20,
        "params": 49,
    }
    assert all("settings" not in m for m in epochs[1:])
    assert [m["lr"] for m in epochs] == [0.05, 0.05, 0.05]


async def test_a_schedule_shows_as_a_learning_rate_that_changes_by_epoch(kernel):
    await kernel.run(LESSON_MODEL)
    code = (
        "schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)\n"
        "def huber_fn(y_true, y_pred):\n    return keras.losses.huber(y_true, y_pred)\n"
        "model.compile(loss=huber_fn, optimizer=keras.optimizers.Nadam(schedule))\n"
        "model.fit(X_train, y_train, epochs=3)\nNone"
    )
    run = await kernel.run(code)
    epochs = epochs_of(run)
    settings = epochs[0]["settings"]
    assert settings["schedule"] == "ExponentialDecay" and settings["learning_rate"] == 0.1
    assert settings["loss"] == "huber_fn" and settings["optimizer"] == "Nadam" and settings["batch_size"] == 32
    rates = [m["lr"] for m in epochs]  # 7 steps an epoch, halved every 10 steps
    assert rates == sorted(rates, reverse=True) and rates[0] < 0.1 and rates[-1] == pytest.approx(0.1 * 0.5**2.1)


async def test_each_fit_ends_with_an_end_event_so_two_fits_in_one_run_are_two_runs_of_the_panel(kernel):
    await kernel.run(LESSON_MODEL + 'model.compile(loss="mse", optimizer="adam")')
    run = await kernel.run("model.fit(X_train, y_train, epochs=2)\nmodel.fit(X_train, y_train, epochs=3)\nNone")
    fit = [(m["event"], m["epoch"]) for m in run.of("progress") if m["event"] != "batch"]
    assert fit == [("epoch", 1), ("epoch", 2), ("end", 2), ("epoch", 1), ("epoch", 2), ("epoch", 3), ("end", 3)]
    assert sum("settings" in m for m in epochs_of(run)) == 2


async def test_a_model_is_a_card_of_its_layers_with_their_parameters_and_totals(kernel):
    await kernel.run(LESSON_MODEL)
    value = (await kernel.run("model")).results[1]
    assert value["kind"] == "model" and value["params"] == 49
    assert value["trainable_params"] == 49 and value["non_trainable_params"] == 0
    rows = [(r["name"], r["type"], r["output_shape"], r["params"], r["trainable"]) for r in value["layers"]]
    assert rows == [("dense", "Dense", "(None, 16)", 32, True), ("dense_1", "Dense", "(None, 1)", 17, True)]
    assert value["layers_truncated"] == 0
    assert [(w["layer"], w["name"], w["shape"]) for w in value["weights"]] == [
        ("dense", "kernel", [1, 16]),
        ("dense", "bias", [16]),
        ("dense_1", "kernel", [16, 1]),
        ("dense_1", "bias", [1]),
    ]
    bias = value["weights"][1]["stats"]
    assert bias["min"] == bias["max"] == bias["std"] == 0 and sum(bias["hist"]) == 16


async def test_a_frozen_layer_counts_as_non_trainable_and_nan_weights_are_counted(kernel):
    await kernel.run(LESSON_MODEL)
    code = (
        "model.layers[0].trainable = False\n"
        "w = model.layers[1].kernel\n"
        "w.assign(tf.tensor_scatter_nd_update(w, [[0, 0], [1, 0]], [float('nan'), float('inf')]))\n"
        "model"
    )
    value = (await kernel.run(code)).results[4]
    assert value["trainable_params"] == 17 and value["non_trainable_params"] == 32
    assert [r["trainable"] for r in value["layers"]] == [False, True]
    stats = value["weights"][2]["stats"]
    assert stats["nan"] == 1 and stats["inf"] == 1 and sum(stats["hist"]) == 14


async def test_a_model_not_yet_built_has_no_weights_and_unknown_shapes(kernel):
    value = (await kernel.run("keras.Sequential([keras.layers.Dense(3)])")).results[1]
    assert value["params"] is None and value["weights"] is None
    assert value["layers"] == [{"name": "dense", "type": "Dense", "output_shape": "?", "params": 0, "trainable": True}]


async def test_a_model_of_many_layers_lists_the_first_two_hundred_and_counts_the_rest(kernel):
    code = "keras.Sequential([keras.Input((2,))] + [keras.layers.Dense(2) for _ in range(230)])"
    value = (await kernel.run(code)).results[1]
    assert len(value["layers"]) == modelcard.MAX_LAYERS and value["layers_truncated"] == 30
    assert len(value["weights"]) == modelcard.MAX_WEIGHTS


def test_the_host_accepts_the_new_progress_fields_and_refuses_them_malformed():
    counts = {"epoch": 1, "epochs": 1, "step": 1, "steps": 1}
    base = protocol.PROGRESS(id="r", phase="fit", event="epoch", **counts, logs={"loss": 1.0})
    protocol.check(protocol.FROM_KERNEL, {**base, "lr": 0.01, "settings": {"optimizer": "Adam"}})
    with pytest.raises(protocol.MessageError, match="lr must be an integer or a number or null"):
        protocol.check(protocol.FROM_KERNEL, {**base, "lr": "fast"})
    with pytest.raises(protocol.MessageError, match="settings must be an object or null"):
        protocol.check(protocol.FROM_KERNEL, {**base, "settings": ["Adam"]})
