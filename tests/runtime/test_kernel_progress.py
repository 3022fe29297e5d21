"""Keras training streams progress with no callback from the user, and no text progress bar."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

SETUP = """
X = np.random.default_rng(0).normal(size=(512, 4)).astype("float32")
y = X @ np.array([[1.], [-2.], [0.5], [3.]], dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam", metrics=["mae"])
"""


async def test_fit_streams_epoch_progress_with_plain_float_logs(kernel):
    await kernel.run(SETUP)
    run = await kernel.run("history = model.fit(X, y, epochs=3, batch_size=32, validation_split=0.25)")
    assert run.done["ok"], run.error
    epochs = [m for m in run.of("progress") if m["event"] == "epoch"]
    assert [m["epoch"] for m in epochs] == [1, 2, 3]
    last = epochs[-1]
    assert last["epochs"] == 3 and last["steps"] == 12 and last["phase"] == "fit"
    assert set(last["logs"]) >= {"loss", "mae", "val_loss", "val_mae"}
    assert all(isinstance(v, float) for v in last["logs"].values())
    assert last["epoch_time_s"] > 0


async def test_keras_text_progress_bar_does_not_reach_the_output(kernel):
    await kernel.run(SETUP)
    run = await kernel.run("model.fit(X, y, epochs=2, batch_size=16)\nNone")
    assert run.of("stream") == [] or "\r" not in "".join(m["text"] for m in run.of("stream"))
    assert "Epoch 1/2" not in run.stdout


async def test_batch_progress_is_throttled_to_about_twenty_messages_a_second(kernel):
    await kernel.run(SETUP)
    run = await kernel.run("import time\nt0 = time.time()\nmodel.fit(X, y, epochs=2, batch_size=1)\ntime.time() - t0")
    elapsed = float(run.results[4]["repr"])
    batches = [m for m in run.of("progress") if m["event"] == "batch"]
    assert 1024 > len(batches) > 0
    assert len(batches) <= 20 * elapsed + 4


async def test_evaluate_and_predict_report_progress_too(kernel):
    await kernel.run(SETUP)
    run = await kernel.run("model.evaluate(X, y, batch_size=64)\nmodel.predict(X, batch_size=64).shape")
    phases = {m["phase"] for m in run.of("progress")}
    assert phases == {"evaluate", "predict"}
    evaluate_end = [m for m in run.of("progress") if m["phase"] == "evaluate" and m["event"] == "end"]
    assert "loss" in evaluate_end[0]["logs"]


async def test_user_callbacks_and_explicit_verbose_two_are_kept(kernel):
    await kernel.run(SETUP)
    code = (
        "seen = []\n"
        "cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))\n"
        "model.fit(X, y, epochs=2, verbose=2, callbacks=[cb])\n"
        "seen"
    )
    run = await kernel.run(code)
    assert run.results[4]["repr"] == "[0, 1]"
    assert "Epoch 2/2" in run.stdout
    assert len([m for m in run.of("progress") if m["event"] == "epoch"]) == 2
