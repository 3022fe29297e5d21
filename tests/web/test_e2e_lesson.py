"""End to end: a real uvicorn server, a real websocket, and every snippet of the lesson in
../shared/seed/ run as written, in order, in one session."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import websockets

from bench.site import connect, execute, running_site, session_cookie, ws_url
from tests.support import ROOT

pytestmark = pytest.mark.slow

SHIPPED_LESSON = Path(__file__).resolve().parent / "data" / "seed_lesson.md"
MODEL_SETUP = """
rng = np.random.default_rng(42)
X_train = rng.normal(size=(1000, 8)).astype("float32")
y_train = (X_train @ rng.normal(size=(8, 1)) + rng.standard_t(2, size=(1000, 1))).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(30, activation="relu"), keras.layers.Dense(1)])
"""


def lesson_text() -> str:
    """The seed lesson as the CEO keeps it, or the copy shipped with the tests."""
    seeds = sorted((ROOT.parent / "shared" / "seed").glob("*.txt"))
    return seeds[0].read_text() if seeds else SHIPPED_LESSON.read_text()


def lesson_snippets() -> list[str]:
    return [block.strip("\n") for block in re.findall(r"```py\n(.*?)```", lesson_text(), re.S)]


@pytest.fixture(scope="module")
def site_server():
    with running_site() as base:
        yield base


class Session:
    def __init__(self, websocket):
        self.websocket = websocket

    async def run(self, code: str) -> dict[str, list]:
        seen: dict[str, list] = {"result": [], "error": [], "progress": [], "stream": [], "variables": [], "done": []}
        for message in await execute(self.websocket, code, uuid.uuid4().hex):
            seen[message["type"]].append(message)
        return seen


def lines_with_results(run: dict) -> list[int]:
    return [m["lineno"] for m in run["result"]]


async def test_the_whole_lesson_runs_as_written_in_one_session(site_server):
    snippets = lesson_snippets()
    assert len(snippets) == 8, "the lesson changed: review this test's expectations"
    basics, backend, numpy_interop, strict_types, cast, variables, huber, training = snippets
    async with await connect(site_server, session_cookie(site_server)) as websocket:
        session = Session(websocket)

        run = await session.run(basics)  # the lesson's typo, f.constant(42), stops it on line 5
        assert lines_with_results(run) == [2, 3, 4]
        assert run["result"][0]["value"]["dims"] == [2, 3]
        assert run["result"][1]["value"]["name"] == "float32"
        assert run["result"][2]["value"]["values"] == [[2.0, 3.0], [5.0, 6.0]]
        [error] = run["error"]
        assert (error["ename"], error["lineno"]) == ("NameError", 5)
        assert "'f'" in error["evalue"]

        after_typo = "\n".join(basics.splitlines()[5:])
        run = await session.run(after_typo)
        assert [m["value"]["shape"] for m in run["result"]] == [[2, 3], [2, 3], [2, 3], [3, 2]]
        assert run["result"][0]["value"]["values"] == [[11.0, 12.0, 13.0], [14.0, 15.0, 16.0]]

        run = await session.run(backend)
        [result] = run["result"]
        assert result["value"]["values"] == [[11.0, 26.0], [14.0, 35.0], [19.0, 46.0]]

        run = await session.run(numpy_interop)
        assert run["result"][0]["value"]["dtype"] == "float64"
        assert run["result"][0]["value"]["values"] == [2.0, 4.0, 5.0]

        run = await session.run(strict_types)  # stops at the first dtype mix
        assert (run["error"][0]["ename"], run["error"][0]["lineno"]) == ("InvalidArgumentError", 1)
        second_mix = strict_types.splitlines()[-1]
        run = await session.run(second_mix)
        assert run["error"][0]["ename"] == "InvalidArgumentError"

        run = await session.run(cast)
        value = run["result"][0]["value"]
        assert (value["values"], value["dtype"]) == (42.0, "float32")

        run = await session.run(variables)
        assert [m["value"]["kind"] for m in run["result"]] == ["variable", "variable"]
        run = await session.run("v")
        assert run["result"][0]["value"]["values"] == [[2.0, 42.0, 6.0], [8.0, 10.0, 12.0]]
        run = await session.run("v.assign_add(tf.ones_like(v))\nv.assign_sub(2 * tf.ones_like(v))\nv")
        assert run["result"][-1]["value"]["values"] == [[1.0, 41.0, 5.0], [7.0, 9.0, 11.0]]

        run = await session.run(huber)
        assert run["done"][0]["ok"] and run["result"] == []

        assert (await session.run(MODEL_SETUP))["done"][0]["ok"]
        compile_line, _, fit_line = training.splitlines()
        run = await session.run(compile_line)
        assert run["done"][0]["ok"], run["error"]
        run = await session.run(fit_line.replace("[...]", "epochs=5, validation_split=0.2"))
        assert run["done"][0]["ok"], run["error"]
        epochs = [m for m in run["progress"] if m["event"] == "epoch"]
        assert [m["epoch"] for m in epochs] == [1, 2, 3, 4, 5]
        assert epochs[-1]["logs"]["loss"] < epochs[0]["logs"]["loss"]
        assert "val_loss" in epochs[-1]["logs"]

        run = await session.run('model.save("huber_model.keras")\nimport os\nos.path.exists("huber_model.keras")')
        assert run["result"][-1]["value"]["repr"] == "True"
        run = await session.run('loaded = keras.models.load_model("huber_model.keras")')
        [error] = run["error"]
        assert "huber_fn" in error["evalue"] and error["lineno"] == 1
        code = (
            'loaded = keras.models.load_model("huber_model.keras", custom_objects={"huber_fn": huber_fn})\n'
            "bool(np.allclose(loaded.predict(X_train[:5]), model.predict(X_train[:5])))"
        )
        run = await session.run(code)
        assert run["result"][-1]["value"]["repr"] == "True", run["error"]


async def test_a_reload_reattaches_to_the_same_kernel_with_its_state(site_server):
    cookie = session_cookie(site_server)
    async with await connect(site_server, cookie) as websocket:
        await Session(websocket).run("survivor = tf.constant([1., 2.])")
    async with await connect(site_server, cookie) as websocket:
        run = await Session(websocket).run("survivor * 10")
    assert run["result"][0]["value"]["values"] == [10.0, 20.0]


async def test_a_websocket_from_another_site_is_refused(site_server):
    with pytest.raises(websockets.exceptions.InvalidStatus):
        await websockets.connect(ws_url(site_server), additional_headers={"Origin": "http://evil.example"})
