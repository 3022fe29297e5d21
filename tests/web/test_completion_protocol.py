"""The editor's questions on the wire: what the browser may ask, and what a kernel may answer (fast)."""

from __future__ import annotations

import json

import pytest

from kernel_runtime import protocol
from kernels import assistant
from playground import messages
from playground.messages import MessageError, ProtocolError

LIMIT = 64 * 1024


def parse(**fields) -> messages.ClientMessage:
    return messages.parse_client_message(json.dumps(fields), LIMIT)


def test_a_completion_request_is_parsed_with_its_cursor():
    message = parse(type="complete", id="c1", code="x = 1\ntf.ma", line=2, column=5)
    assert (message.type, message.id, message.line, message.column) == ("complete", "c1", 2, 5)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"line": 3, "column": 0}, "not in the code"),
        ({"line": 1, "column": 6}, "not in the code"),
        ({"line": 0, "column": 0}, "not in the code"),
        ({"line": 1, "column": -1}, "not in the code"),
        ({"line": "1", "column": 0}, "must be an integer"),
        ({"column": 0}, "needs 'line'"),
    ],
)
def test_a_question_whose_cursor_is_not_in_the_code_is_a_protocol_error(fields, words):
    with pytest.raises(ProtocolError, match=words) as caught:
        parse(type="complete", id="c2", code="x = 1\ny", **fields)
    assert caught.value.request_id == "c2"


def test_lines_are_counted_as_the_editor_counts_them():
    assert parse(type="complete", id="c", code="a\r\nbc\rd", line=3, column=1).line == 3


def test_an_inspect_must_say_what_it_wants():
    with pytest.raises(ProtocolError, match="must be one of call, name"):
        parse(type="inspect", id="i1", code="t", line=1, column=1, want="everything")
    assert parse(type="inspect", id="i1", code="t", line=1, column=1, want="name").want == "name"


def completions(*items: dict, **changes) -> dict:
    return {**protocol.COMPLETIONS(ref="q1", items=list(items), line=1, start=0, truncated=False), **changes}


def inspection(**fields) -> dict:
    return protocol.INSPECTION(ref="q2", **fields)


GOOD_CARD = {"name": "t", "type": "EagerTensor", "kind": "tensor", "shape": [2, None], "dtype": "float32"}
GOOD_CARD |= {"value": None, "device": "CPU:0"}


def test_well_formed_answers_pass_the_hosts_check():
    item = {"name": "matmul", "kind": "function", "detail": None}
    assert assistant.check_answer(completions(item))
    signature = {"label": "f(a, b)", "params": ["a", "b"], "index": 1}
    url = "https://www.tensorflow.org/api_docs/python/tf/keras/layers/Dense"
    assert assistant.check_answer(inspection(signature=signature, doc="Doc.", url=url, value=GOOD_CARD))


@pytest.mark.parametrize(
    "answer",
    [
        completions(*[{"name": f"n{i}", "kind": "variable", "detail": None} for i in range(201)]),
        completions({"name": "x", "kind": "evil", "detail": None}),
        completions({"name": "x" * 201, "kind": "variable", "detail": None}),
        completions({"name": "x", "kind": "variable", "detail": None, "html": "<b>"}),
        completions("not an object"),
        inspection(url="https://evil.example/api_docs/python/tf"),
        inspection(url="javascript:alert(1)"),
        inspection(url="https://www.tensorflow.org/api_docs/python/tf/../../x"),
        inspection(doc="x" * 8001),
        inspection(signature={"label": "f()", "params": ["p"] * 33, "index": 0}),
        inspection(signature={"label": "f()", "params": [1], "index": 0}),
        inspection(value={**GOOD_CARD, "shape": ["2"]}),
        inspection(value={**GOOD_CARD, "shape": [1] * 65}),
        inspection(value={"name": "t"}),
    ],
)
def test_an_oversized_or_malformed_kernel_answer_is_refused(answer):
    with pytest.raises(MessageError):
        assistant.check_answer(answer)


class Kernel:
    def __init__(self):
        self.sent: list[dict] = []
        self.killed: str | None = None

    def send(self, message: dict) -> None:
        self.sent.append(message)

    def kill(self, reason: str | None = None) -> None:
        self.killed = reason

    def cpu_seconds(self) -> float:
        return 0.0


class Outbox:
    def __init__(self):
        self.replies: list[tuple[str, str, dict]] = []

    async def reply(self, channel: str, kind: str, text: str) -> None:
        self.replies.append((channel, kind, json.loads(text)))


QUESTION = {"type": "complete", "id": "c9", "code": "tf.ma", "line": 1, "column": 5}


async def test_a_question_goes_to_the_kernel_under_a_ref_and_its_answer_back_under_its_id():
    outbox, kernel = Outbox(), Kernel()
    helper = assistant.Assistant(outbox)
    await helper.ask(kernel, QUESTION, "ws-1")
    (sent,) = kernel.sent
    assert "id" not in sent and sent["ref"] and sent["code"] == "tf.ma"
    items = [{"name": "matmul", "kind": "function", "detail": None}]
    answer = protocol.COMPLETIONS(ref=None, items=items, line=1, start=3, truncated=False)
    assert await helper.answered(kernel, {**answer, "ref": sent["ref"]})
    (channel, kind, body) = outbox.replies[0]
    assert (channel, kind, body["id"], body["reason"], "ref" in body) == ("ws-1", "completions", "c9", None, False)
    assert not await helper.answered(kernel, {**answer, "ref": sent["ref"]})  # answered once only


async def test_a_forged_answer_ends_the_kernel_and_the_page_gets_an_empty_one():
    outbox, kernel = Outbox(), Kernel()
    helper = assistant.Assistant(outbox)
    await helper.ask(kernel, QUESTION, "ws-1")
    forged = completions({"name": "x", "kind": "evil", "detail": None}, ref=kernel.sent[0]["ref"])
    assert await helper.answered(kernel, forged)
    assert "not part of the protocol" in kernel.killed
    assert outbox.replies[0][2]["items"] == []


async def test_questions_beyond_those_in_flight_get_an_empty_busy_answer():
    outbox, kernel = Outbox(), Kernel()
    helper = assistant.Assistant(outbox)
    for n in range(assistant.MAX_WAITING + 1):
        await helper.ask(kernel, {**QUESTION, "id": f"c{n}"}, "ws-1")
    assert len(kernel.sent) == assistant.MAX_WAITING
    last = outbox.replies[-1][2]
    assert (last["items"], last["reason"], last["id"]) == ([], "busy", f"c{assistant.MAX_WAITING}")


def test_the_rate_allows_a_burst_then_refuses():
    rate = assistant.Rate(per_s=0.001, burst=3)
    assert [rate.allow() for _ in range(4)] == [True, True, True, False]
