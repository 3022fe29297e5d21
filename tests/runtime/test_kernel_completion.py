"""Completion, signatures, docs and value cards from real kernels, asked as the websocket asks."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from bench.site import next_message
from kernels import assistant
from tests.communicator import connect, receive_until
from tests.support import ask

pytestmark = pytest.mark.slow

TENSOR = "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])"


def names(answer: dict) -> dict[str, dict]:
    return {item["name"]: item for item in answer["items"]}


async def test_typing_tf_ma_offers_matmul_as_a_function_and_math_as_a_module(kernel):
    answer = await ask(kernel, "complete", "x = 1\ntf.ma")
    found = names(answer)
    assert found["matmul"]["kind"] == "function" and found["math"]["kind"] == "module"
    assert answer["line"] == 2 and answer["start"] == 3  # what the editor replaces: `ma`
    assert answer["reason"] is None


async def test_a_tensor_in_the_session_completes_its_attributes_and_its_name_shows_shape_and_dtype(kernel):
    await kernel.run(TENSOR)
    attributes = names(await ask(kernel, "complete", "t."))
    assert {"shape", "dtype", "numpy", "device"} <= attributes.keys()
    assert attributes["numpy"]["kind"] == "function" and attributes["shape"]["detail"] is None
    bound = names(await ask(kernel, "complete", "t"))
    assert bound["t"]["detail"] == "EagerTensor (2, 3) float32"
    assert bound["tf"]["kind"] == "module" and bound["tuple"]["kind"] == "class"


async def test_keras_layers_complete_with_classes(kernel):
    found = names(await ask(kernel, "complete", "keras.layers.De"))
    assert found["Dense"]["kind"] == "class"


async def test_the_signature_of_tf_reshape_names_the_argument_being_typed(kernel):
    await kernel.run(TENSOR)
    first = await ask(kernel, "inspect", "tf.reshape(", want="call")
    assert first["signature"]["label"] == "reshape(tensor, shape, name=None)"
    assert first["signature"]["params"] == ["tensor", "shape", "name=None"]
    assert first["signature"]["index"] == 0
    second = await ask(kernel, "inspect", "tf.reshape(t, ", want="call")
    assert second["signature"]["index"] == 1 and second["name"] == "reshape"


async def test_a_tf_name_has_its_docstring_and_its_api_page(kernel):
    answer = await ask(kernel, "inspect", "tf.reshape(t, [3, 2])", want="name", cursor=(1, 5))
    assert "Reshapes a tensor" in answer["doc"]
    assert answer["url"] == "https://www.tensorflow.org/api_docs/python/tf/reshape"
    dense = await ask(kernel, "inspect", "keras.layers.Dense", want="name", cursor=(1, 15))
    assert dense["url"] == "https://www.tensorflow.org/api_docs/python/tf/keras/layers/Dense"
    assert dense["doc"] and dense["value"] is None


async def test_hovering_a_tensor_gives_its_card_with_type_shape_dtype_and_device(kernel):
    await kernel.run(TENSOR + "\nv = tf.Variable(tf.zeros([4]))\na = np.ones((2, 2), dtype=np.int8)")
    card = (await ask(kernel, "inspect", "t + 1", want="name", cursor=(1, 1)))["value"]
    assert card == {
        "name": "t",
        "type": "EagerTensor",
        "kind": "tensor",
        "shape": [2, 3],
        "dtype": "float32",
        "value": None,
        "device": "CPU:0",
    }
    variable = (await ask(kernel, "inspect", "v", want="name"))["value"]
    assert (variable["kind"], variable["shape"], variable["device"]) == ("variable", [4], "CPU:0")
    array = (await ask(kernel, "inspect", "a", want="name"))["value"]
    assert (array["kind"], array["shape"], array["dtype"], array["device"]) == ("ndarray", [2, 2], "int8", None)


async def test_questions_are_answered_while_a_fit_runs(kernel):
    await kernel.run(TENSOR)
    fit = await kernel.submit(
        "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse', optimizer='adam')\n"
        "X = np.random.rand(20000, 8).astype('float32')\n"
        "model.fit(X, X[:, :1], epochs=50, batch_size=32, verbose=0)"
    )
    while (await kernel.next_message())["type"] != "progress":
        pass  # the fit is under way
    answer = await ask(kernel, "complete", "t.sha")
    assert "shape" in names(answer) and answer["reason"] is None
    card = (await ask(kernel, "inspect", "t", want="name"))["value"]
    assert card["shape"] == [2, 3]
    await kernel.interrupt()
    run = await kernel.collect(fit)
    assert run.done["ok"] is False  # it was still running: the answers did not wait for it


async def test_a_kernel_busy_past_the_deadline_gives_an_empty_answer_then_answers_again(kernel):
    # The run holds the interpreter lock for 4 s (a 100 s switch interval), so no other thread
    # of the kernel runs: the question's deadline (2 s) passes first.
    hog = await kernel.submit(
        "import sys, time\nsys.setswitchinterval(100)\nend = time.monotonic() + 4\n"
        "while time.monotonic() < end:\n    pass\nsys.setswitchinterval(0.005)"
    )
    await asyncio.sleep(0.5)
    late = await ask(kernel, "complete", "tf.ma")
    assert late["items"] == [] and late["reason"] == "timeout"
    await kernel.collect(hog)
    assert "matmul" in names(await ask(kernel, "complete", "tf.ma"))


async def test_a_session_without_a_kernel_gets_an_empty_answer_not_an_error(kernel_host):
    class Nobody:
        owner = uuid.uuid4().hex

    answer = await ask(Nobody(), "inspect", "tf", want="name")
    assert answer["reason"] == "no_kernel" and answer["doc"] is None and answer["value"] is None
    assert Nobody.owner not in kernel_host.sessions  # a question starts no kernel


async def test_half_typed_code_and_unknown_names_give_empty_answers(kernel):
    assert (await ask(kernel, "inspect", "zzz(", want="call"))["signature"] is None
    assert (await ask(kernel, "inspect", "def f(:\n  x", want="name"))["doc"] is None
    assert (await ask(kernel, "complete", "zzqq."))["items"] == []


@pytest.mark.django_db(transaction=True)
async def test_over_the_websocket_a_bad_question_is_a_protocol_error_and_a_flood_is_rate_limited(host_cleanup):
    ws = await connect()
    await receive_until(ws, lambda m: m["type"] == "status" and m["state"] == "idle")
    bad = {"type": "complete", "id": "q-bad", "code": "tf", "line": 2, "column": 0}
    await ws.send_to(text_data=json.dumps(bad))
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert (error["ename"], error["id"]) == ("ProtocolError", "q-bad") and "not in the code" in error["evalue"]
    for n in range(assistant.BURST + 40):
        question = {"type": "complete", "id": f"q{n}", "code": "tf.ma", "line": 1, "column": 5}
        await ws.send_to(text_data=json.dumps(question))
    answers = []
    while len(answers) < assistant.BURST + 40:
        message = await next_message(ws, lambda: ws.receive_from(timeout=30))
        if message["type"] == "completions":
            answers.append(message)
    reasons = [answer["reason"] for answer in answers]
    assert "rate_limited" in reasons  # 80 at once: the bucket's 40 and what refills while they arrive
    assert any("matmul" in names(answer) for answer in answers)
    await ws.disconnect()


SPY = """
calls = []
class Spy:
    def __repr__(self):
        calls.append('repr'); return 'spy'
    def __len__(self):
        calls.append('len'); return 1
    def __dir__(self):
        calls.append('dir'); return ['a']
    def __getattr__(self, name):
        calls.append('getattr ' + name); return 1
    @property
    def __class__(self):
        calls.append('__class__'); return int
    def shout(self):
        return 'hi'
spy = Spy()
spies = [spy]
"""


async def test_questions_and_the_variables_list_never_run_the_visitors_code(kernel):
    # The finding: completion and hover called a user-defined __repr__, __len__, __dir__ and a
    # __class__ property in the assistant thread, outside any run and not interruptible; the
    # main thread called them building the Variables list, where Interrupt is deferred.
    setup = await kernel.run(SPY)
    assert setup.error is None
    listed = {v["name"]: v for v in setup.of("variables")[-1]["variables"]}
    assert listed["spy"]["type"] == "Spy" and listed["spies"]["value"] == "1 items"
    completed = await ask(kernel, "complete", "spy.")
    assert "shout" in names(completed)  # the class's own attributes, read without running it
    await ask(kernel, "inspect", "spy", want="name")
    await ask(kernel, "inspect", "spy.shout(", want="call")
    await ask(kernel, "complete", "len(sp")
    run = await kernel.run("list(calls)")
    assert run.results[1]["repr"] == "[]"
