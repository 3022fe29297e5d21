"""A student's summary as the kernel host keeps it (kernels/classreport.py) and the teacher's
roster built from them (classroom/roster.py), fast: no kernel, no websocket."""

from __future__ import annotations

import asyncio
import json

from classroom.roster import Roster
from kernels.classreport import ClassReport, ClassTag, error_summary, teacher_group

MIXED = {"code": "dtype_mix", "params": {"op": "AddV2"}, "text": "Mixed dtypes."}


def failed(seat: int, hint: dict | None, line: str, ename: str = "InvalidArgumentError") -> dict:
    error = {"ename": ename, "evalue": "cannot compute AddV2", "hint": hint, "lineno": 1, "line": line}
    return {"seat": seat, "state": "error", "runs": 1, "last_run_at": 1.0, "last_error": error, "exercises": {}}


def test_errors_are_grouped_by_kind_biggest_first_with_the_line_most_students_wrote():
    roster = Roster(names={1: "Ana", 2: "Bo", 3: "Cy", 4: "Di", 5: "Ed"})
    common, other = "tf.constant(1) + tf.constant(1.5)", "x + tf.constant(2.0)"
    roster.update(failed(1, MIXED, common))
    roster.update(failed(2, MIXED, common))
    roster.update(failed(3, MIXED, other))
    roster.update(failed(4, None, "prnt(x)", ename="NameError"))
    roster.update({**failed(5, MIXED, common), "state": "gone"})  # gone: not counted
    groups = roster.error_groups()
    assert [(g["kind"], g["count"]) for g in groups] == [("hint:dtype_mix", 3), ("NameError", 1)]
    assert groups[0]["line"] == common and groups[0]["names"] == ["Ana", "Bo", "Cy"]
    roster.update({"seat": 1, "state": "idle", "runs": 2, "last_run_at": 2.0, "last_error": None, "exercises": {}})
    assert roster.error_groups()[0]["count"] == 2


def test_a_summary_for_a_seat_not_in_the_class_is_ignored():
    roster = Roster(names={1: "Ana"})
    assert roster.update(failed(9, None, "x")) is None and roster.entries()[0]["state"] == "gone"


def test_an_errors_line_is_the_line_of_the_runs_code_it_names():
    message = {"ename": "NameError", "evalue": "name 'x' is not defined" * 50, "lineno": 2, "hint": None}
    summary = error_summary(message, "a = 1\n   x + 1  \n")
    assert summary["line"] == "x + 1" and summary["lineno"] == 2 and len(summary["evalue"]) == 300
    assert error_summary({**message, "lineno": 9}, "a = 1")["line"] == ""


async def test_a_quick_runs_changes_reach_the_teacher_as_one_summary_in_order():
    sent: list[tuple[str, dict]] = []

    async def publish(group: str, event: dict) -> None:
        sent.append((group, event))

    report = ClassReport(ClassTag("K7M4QX", 3), publish)
    report.pages(1)
    report.kernel_state("idle")
    report.run_begun()
    report.kernel_state("busy")
    report.run_message("error", json.dumps({"type": "error", "ename": "NameError", "evalue": "x", "lineno": 1}), "x")
    report.run_message("done", json.dumps({"type": "done", "ok": False}), "x")
    report.kernel_state("idle")
    await asyncio.sleep(0.3)
    assert len(sent) == 1 and sent[0][0] == teacher_group("K7M4QX")
    student = sent[0][1]["student"]
    assert student["state"] == "error" and student["runs"] == 1 and student["last_error"]["ename"] == "NameError"
    report.run_begun()
    report.run_message("done", json.dumps({"type": "done", "ok": True}), "y = 1")
    report.pages(0)
    await asyncio.sleep(0.3)
    last = sent[-1][1]["student"]
    assert len(sent) == 2 and last["state"] == "gone" and last["runs"] == 2 and last["last_error"] is None


async def test_nothing_is_sent_when_nothing_changed():
    sent: list = []

    async def publish(group: str, event: dict) -> None:
        sent.append(event)

    report = ClassReport(ClassTag("K7M4QX", 1), publish)
    report.pages(0)
    report.kernel_state("starting")
    await asyncio.sleep(0.3)
    assert sent == []
