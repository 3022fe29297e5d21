"""The wire vocabularies: parsing browser frames, building messages from their definitions, and
docs/protocol.md covering every message type, value kind and bus request."""

from __future__ import annotations

import json
import re

import pytest

from kernel_runtime import protocol
from kernels import bus
from playground import messages
from playground.messages import ClientMessage, ProtocolError, parse_client_message
from tests.support import ROOT

DOC = ROOT / "docs" / "protocol.md"
LIMIT = 64 * 1024


def test_every_message_type_is_documented_in_protocol_md():
    text = DOC.read_text()
    documented = set(re.findall(r'"type":\s*"([a-z_]+)"', text))
    every = [messages.BROWSER, messages.SERVER, protocol.TO_KERNEL, protocol.FROM_KERNEL]
    types = set().union(*(vocabulary.keys() for vocabulary in every))
    assert len(types) > 20  # the vocabularies were found
    missing = types - documented
    assert not missing, f"undocumented message types: {sorted(missing)}"


def test_every_kind_of_value_is_documented_in_protocol_md():
    text = DOC.read_text()
    assert len(protocol.VALUE_KINDS) >= 9
    missing = [kind for kind in protocol.VALUE_KINDS if f"| `{kind}` |" not in text]
    assert not missing, f"undocumented value kinds: {missing}"


def test_every_request_a_page_sends_its_kernel_host_is_documented_in_protocol_md():
    text = DOC.read_text()
    assert len(bus.TO_HOST) == 12
    missing = [kind for kind in [*bus.TO_HOST, bus.MESSAGE.type] if f"`{kind}`" not in text]
    assert not missing, f"undocumented bus messages: {missing}"


def test_a_definition_builds_its_message_with_defaults_and_refuses_unknown_or_missing_fields():
    assert protocol.DONE(id="r1", ok=True) == {"type": "done", "id": "r1", "ok": True, "elapsed_ms": 0.0}
    first, second = protocol.ERROR(id="r", ename="E", evalue="v"), protocol.ERROR(id="r", ename="E", evalue="v")
    assert first["traceback"] == [] and first["traceback"] is not second["traceback"]  # a default is never shared
    assert "hint" not in first  # an optional field without a default is left out
    with pytest.raises(TypeError, match="has no field 'colour'"):
        protocol.STREAM(id="r", name="stdout", text="x", colour="red")
    with pytest.raises(TypeError, match="needs 'text'"):
        protocol.STREAM(id="r", name="stdout")


def test_what_a_definition_builds_passes_its_own_check():
    built = [
        messages.STATUS(state="idle"),
        protocol.RESULT(id="r", value=protocol.VALUE_TEXT(type="int", repr="2")),
        protocol.FILES_ERROR(ref=1, code="bad_name", message="No."),
        protocol.INSPECTION(ref="q1"),
    ]
    for message in built:
        vocabulary = messages.SERVER if message["type"] == "status" else protocol.FROM_KERNEL
        assert protocol.check(vocabulary, json.loads(json.dumps(message))) == message
    value = protocol.VALUE_DTYPE(type="DType", name="float32", repr="tf.float32")
    assert protocol.VALUE_KINDS["dtype"].check(value) == value


def test_every_status_state_is_documented():
    text = DOC.read_text()
    assert messages.STATES
    for state in messages.STATES:
        assert f"`{state}`" in text


def test_an_execute_is_parsed_into_its_id_and_code():
    message = parse_client_message(json.dumps({"type": "execute", "id": "a1", "code": "1 + 1"}), LIMIT)
    assert message == ClientMessage(type="execute", id="a1", code="1 + 1")


@pytest.mark.parametrize("kind", ["interrupt", "restart"])
def test_control_messages_need_only_a_type(kind):
    assert parse_client_message(json.dumps({"type": kind}), LIMIT).type == kind


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ("{oops", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type": "shutdown"}', "Unknown message type 'shutdown'"),
        ('{"code": "1"}', "Unknown message type None"),
        ('{"type": "execute", "code": "1"}', "needs 'id'"),
        ('{"type": "execute", "id": "", "code": "1"}', "'execute'.id must be 1 to 128 characters"),
        ('{"type": "execute", "id": 7, "code": "1"}', "'execute'.id must be a string"),
        ('{"type": "execute", "id": "a"}', "needs 'code'"),
        ('{"type": "execute", "id": "a", "code": "1", "extra": 1}', "has no field 'extra'"),
        ("[" * 100 + "]" * 100, "nested deeper than 64"),
        ("[" * 100_000, "nested deeper than 64"),
        ('{"type": "execute", "id": "a", "code": "1", "n": ' + "9" * 5000 + "}", "not valid JSON"),
        ('{"type": "execute", "id": "a", "code": NaN}', "not valid JSON"),
    ],
)
def test_malformed_frames_are_refused_with_a_clear_reason(frame, words):
    with pytest.raises(ProtocolError, match=re.escape(words)):
        parse_client_message(frame, LIMIT)


def test_code_over_the_limit_is_refused_naming_the_limit_and_keeping_the_id():
    frame = json.dumps({"type": "execute", "id": "big", "code": "é" * LIMIT})
    with pytest.raises(ProtocolError, match="limit is 64 KiB") as caught:
        parse_client_message(frame, LIMIT)
    assert caught.value.request_id == "big"


def test_code_exactly_at_the_limit_is_accepted():
    frame = json.dumps({"type": "execute", "id": "edge", "code": "x" * LIMIT})
    assert len(parse_client_message(frame, LIMIT).code) == LIMIT


def test_a_huge_frame_is_refused_before_parsing():
    with pytest.raises(ProtocolError, match="too large"):
        parse_client_message("[" * (10 * LIMIT), LIMIT)


def test_binary_frames_are_refused():
    with pytest.raises(ProtocolError, match="JSON text"):
        parse_client_message(None, LIMIT)
