"""Recorded outputs are checked field by field, summarised and capped, so rendering cannot break."""

from __future__ import annotations

import json

import pytest

from sharing.outputs import BadOutputs, clean_outputs

BIG = 10**9

RESULT = {
    "type": "result",
    "id": "r-1",
    "lineno": 2,
    "end_lineno": 2,
    "value": {
        "kind": "tensor",
        "type": "EagerTensor",
        "shape": [2],
        "dtype": "float32",
        "values": [2.0, 4.0],
        "repr": "<tf.Tensor ...>",
    },
}
ERROR = {
    "type": "error",
    "id": "r-1",
    "ename": "NameError",
    "evalue": "name 'f' is not defined",
    "lineno": 3,
    "traceback": ["line 3", "NameError"],
    "frames": [],
}


def progress(event: str, step: int, epoch: int = 1) -> dict:
    return {
        "type": "progress",
        "id": "r-1",
        "phase": "fit",
        "event": event,
        "epoch": epoch,
        "epochs": 2,
        "step": step,
        "steps": 10,
        "logs": {"loss": 0.5, "mae": "NaN"},
        "epoch_time_s": None,
    }


def test_each_protocol_message_type_is_kept_without_the_run_id():
    messages = [
        {"type": "stream", "id": "r-1", "name": "stdout", "text": "hi\n"},
        RESULT,
        ERROR,
        {"type": "done", "id": "r-1", "ok": False, "elapsed_ms": 3.5},
    ]
    cleaned, truncated = clean_outputs(messages, BIG)
    assert [m["type"] for m in cleaned] == ["stream", "result", "error", "done"]
    assert not truncated and all("id" not in m for m in cleaned)
    assert cleaned[1]["value"] == RESULT["value"] and cleaned[2]["lineno"] == 3


def test_missing_outputs_are_an_empty_list():
    assert clean_outputs(None, BIG) == ([], False)


def test_unknown_message_types_are_dropped_as_protocol_clients_ignore_them():
    cleaned, _ = clean_outputs([{"type": "status", "state": "idle"}, {"type": "future-thing"}, RESULT], BIG)
    assert [m["type"] for m in cleaned] == ["result"]


@pytest.mark.parametrize(
    ("outputs", "field"),
    [
        ("not a list", "outputs"),
        ([42], "outputs[0]"),
        ([{"no": "type"}], "outputs[0]"),
        ([{**RESULT, "value": "<b>"}], "outputs[0].value"),
        ([{**RESULT, "value": {"kind": "text"}}], "outputs[0].value"),
        ([{**RESULT, "lineno": "2"}], "outputs[0].lineno"),
        ([RESULT, {**ERROR, "traceback": "text"}], "outputs[1].traceback"),
        ([{**ERROR, "ename": 5}], "outputs[0].ename"),
        ([{"type": "stream", "text": None}], "outputs[0].text"),
        ([{**progress("epoch", 10), "logs": {"loss": "lots"}}], "outputs[0].logs.loss"),
        ([{"type": "done", "ok": "yes"}], "outputs[0].ok"),
    ],
)
def test_a_malformed_message_is_refused_naming_the_field(outputs, field):
    with pytest.raises(BadOutputs, match=field.replace("[", r"\[").replace("]", r"\]")):
        clean_outputs(outputs, BIG)


def test_training_progress_is_summarised_to_epoch_ends_and_the_last_batch_update():
    messages = [progress("batch", s) for s in range(1, 10)] + [progress("epoch", 10)]
    messages += [progress("batch", s, epoch=2) for s in range(1, 6)]
    cleaned, _ = clean_outputs(messages, BIG)
    assert [(m["event"], m["step"]) for m in cleaned] == [("batch", 9), ("epoch", 10), ("batch", 5)]
    assert cleaned[1]["logs"] == {"loss": 0.5, "mae": "NaN"}


def test_outputs_are_capped_in_size_and_say_so():
    streams = [{"type": "stream", "name": "stdout", "text": "x" * 1000} for _ in range(100)]
    done = {"type": "done", "ok": True, "elapsed_ms": 1}
    cleaned, truncated = clean_outputs([*streams, done], 10_000)
    assert truncated
    assert len(json.dumps(cleaned).encode()) <= 10_000 + 100  # list punctuation aside
    assert cleaned[-1]["type"] == "done"  # how the run ended is always kept


def test_a_stream_that_crosses_the_cap_is_cut_to_fit():
    cleaned, truncated = clean_outputs([{"type": "stream", "name": "stderr", "text": "é" * 5000}], 1000)
    assert truncated and cleaned[0]["name"] == "stderr"
    assert 0 < len(json.dumps(cleaned[0], ensure_ascii=False).encode()) <= 1000


def test_an_errors_hint_is_kept_and_checked():
    hint = {"code": "name_suggest", "params": {"name": "f", "suggestion": "tf"}, "text": "Did you mean tf?"}
    cleaned, _ = clean_outputs([{**ERROR, "hint": hint}, {**ERROR, "hint": None}], BIG)
    assert cleaned[0]["hint"] == hint and cleaned[1]["hint"] is None
    with pytest.raises(BadOutputs, match=r"outputs\[0\]\.hint\.params"):
        clean_outputs([{**ERROR, "hint": {"code": "x", "params": {"name": 1}}}], BIG)
