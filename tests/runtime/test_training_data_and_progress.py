"""Training online: bundled datasets with no internet, progress with an ETA, Stop that keeps the
weights and the history, and plots as inline images (real kernels)."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.slow

MODEL = """
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam", metrics=["mae"])
"""


async def test_every_bundled_dataset_loads_as_numpy_arrays_with_a_validation_split(kernel):
    code = (
        "shapes = {}\n"
        "for name in datasets.names():\n"
        "    X_train, y_train, X_val, y_val = datasets.load(name, validation=0.25)\n"
        "    assert X_train.dtype == np.float32 and len(X_train) == len(y_train) and len(X_val) == len(y_val)\n"
        "    shapes[name] = (X_train.shape, X_val.shape, str(y_train.dtype))\n"
        "shapes"
    )
    run = await kernel.run(code)
    assert run.done["ok"], run.error
    shapes = run.results[6]["repr"]
    for name in ("diabetes", "iris", "digits", "wine", "breast_cancer", "outliers", "moons", "spirals"):
        assert f"'{name}'" in shapes
    assert "'diabetes': ((332, 10), (110, 10), 'float32')" in shapes
    assert "'digits': ((1348, 64), (449, 64), 'int64')" in shapes


async def test_the_split_is_reproducible_by_seed(kernel):
    code = "a = datasets.load('moons', seed=3)[0]\nb = datasets.load('moons', seed=3)[0]\nbool((a == b).all())"
    assert (await kernel.run(code)).results[3]["repr"] == "True"


async def test_an_unknown_dataset_names_the_ones_there_are(kernel):
    run = await kernel.run("datasets.load('mnist')")
    assert run.error["ename"] == "KeyError" and "diabetes" in run.error["evalue"]


@pytest.mark.parametrize(
    "call",
    [
        "keras.datasets.mnist.load_data()",
        "tf.keras.datasets.boston_housing.load_data()",
        "from sklearn.datasets import fetch_california_housing\nfetch_california_housing()",
    ],
)
async def test_downloads_fail_at_once_pointing_at_the_bundled_datasets(kernel, call):
    run = await kernel.run(call)
    assert run.error["ename"] == "NoInternet"
    assert "no internet" in run.error["evalue"] and "datasets.load(" in run.error["evalue"]
    assert (await kernel.run("1 + 1")).results[1]["repr"] == "2"  # the session goes on


async def test_fit_progress_carries_elapsed_time_and_an_eta_that_reaches_zero(kernel):
    await kernel.run("X, y, X_val, y_val = datasets.load('diabetes')\ny = y / 100\ny_val = y_val / 100" + MODEL)
    run = await kernel.run("model.fit(X, y, epochs=4, batch_size=8, validation_data=(X_val, y_val))\nNone")
    assert run.done["ok"], run.error
    epochs = [m for m in run.of("progress") if m["event"] == "epoch"]
    assert [m["epoch"] for m in epochs] == [1, 2, 3, 4]
    assert all(m["elapsed_s"] > 0 for m in epochs)
    assert epochs[0]["eta_s"] > 0 and epochs[-1]["eta_s"] == 0
    assert "val_loss" in epochs[-1]["logs"]


async def test_stop_in_the_middle_of_a_fit_keeps_weights_and_history_and_fit_continues(kernel):
    await kernel.run("X, y, X_val, y_val = datasets.load('diabetes')\ny = y / 100" + MODEL)
    first = await kernel.run("model.evaluate(X, y, verbose=0)[0]")
    start_loss = float(first.results[1]["repr"])
    request_id = await kernel.submit("model.fit(X, y, epochs=10_000, batch_size=4)")
    epochs_seen = 0
    while epochs_seen < 3:  # let three epochs finish, then Stop in the middle of the fourth
        message = await kernel.next_message()
        if message.get("id") == request_id and message["type"] == "progress" and message["event"] == "epoch":
            epochs_seen += 1
    await kernel.interrupt()
    stopped = await kernel.collect(request_id)
    assert stopped.error["ename"] == "KeyboardInterrupt"
    kept = await kernel.run(
        "stopped_loss = model.evaluate(X, y, verbose=0)[0]\n"
        "len(model.history.history['loss'])\n"
        "len(training_log(model)['loss'])\n"
        "stopped_loss"
    )
    assert int(kept.results[2]["repr"]) >= 3 and int(kept.results[3]["repr"]) >= 3
    assert float(kept.results[4]["repr"]) < start_loss  # the weights learnt so far are still there
    again = await kernel.run(
        "model.fit(X, y, epochs=1, batch_size=4)\nlog = training_log(model)\nlog['fit'][-1], len(log['loss'])"
    )
    fit_number, epochs_logged = eval(again.results[3]["repr"])  # a tuple is shown as its text
    assert fit_number == 2 and epochs_logged >= 4
    first_epoch_again = next(m for m in again.of("progress") if m["event"] == "epoch")
    assert first_epoch_again["logs"]["loss"] < start_loss  # it went on from the weights it had


async def test_a_figure_built_over_several_lines_is_sent_once_as_a_png_at_the_end(kernel):
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title('squares')\nx = 1"
    run = await kernel.run(code)
    figures = [m for m in run.of("result") if m["value"]["kind"] == "figure"]
    assert len(figures) == 1 and figures[0]["lineno"] is None
    value = figures[0]["value"]
    assert base64.b64decode(value["png_b64"]).startswith(b"\x89PNG")
    assert value["width"] == 640 and value["height"] == 480 and "1 Axes" in value["repr"]
    assert (await kernel.run("plt.get_fignums()")).results[1]["repr"] == "[]"  # closed after sending


async def test_a_figure_as_a_value_shows_on_its_line_and_not_again(kernel):
    code = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([0, 1])\nfig"
    run = await kernel.run(code)
    figures = [m for m in run.of("result") if m["value"]["kind"] == "figure"]
    assert [m["lineno"] for m in figures] == [4]
