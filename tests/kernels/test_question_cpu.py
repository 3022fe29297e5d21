"""The editor's questions are the visitor's help, not their cost: the CPU a kernel spends
answering them is counted apart from its idle CPU, within a budget (fast: a stand-in kernel)."""

from __future__ import annotations

import asyncio
import json

from kernels import assistant
from kernels.watchdog import IdleCpu


class Kernel:
    """A kernel whose cgroup CPU count the test moves."""

    def __init__(self) -> None:
        self.cpu, self.sent = 0.0, []

    def send(self, message: dict) -> None:
        self.sent.append(message)

    def kill(self, reason: str | None = None) -> None:
        raise AssertionError(reason)

    def cpu_seconds(self) -> float:
        return self.cpu


class Outbox:
    def __init__(self) -> None:
        self.replies: list[dict] = []

    async def reply(self, channel: str, kind: str, text: str) -> None:
        self.replies.append(json.loads(text))


def question(n: int) -> dict:
    return {"type": "complete", "id": f"c{n}", "code": "model.", "line": 1, "column": 6}


async def answer_all(helper: assistant.Assistant, kernel: Kernel, cpu_each: float, count: int) -> None:
    for n in range(count):
        await helper.ask(kernel, question(n), "ws")
        kernel.cpu += cpu_each  # the kernel's assistant thread at work
        ref = kernel.sent[-1]["ref"]
        answer = {"type": "completions", "ref": ref, "items": [], "line": 1, "start": 6, "truncated": False}
        assert await helper.answered(kernel, answer)


async def test_three_hundred_completions_at_typing_speed_do_not_end_the_kernel():
    # The attack on the honest user: ~300 ordinary completions with a model in the session cost
    # ~5 s of CPU, counted as idle CPU, and ended the kernel ("threads or processes left running").
    kernel, helper = Kernel(), assistant.Assistant(Outbox())
    idle = IdleCpu(limit_s=5.0)
    assert idle.over_limit(kernel.cpu_seconds) is None  # the first look after a run
    await answer_all(helper, kernel, cpu_each=0.017, count=300)
    assert kernel.cpu > 5.0
    assert idle.over_limit(kernel.cpu_seconds, helper.cpu.excused_s) is None
    assert idle.over_limit(kernel.cpu_seconds) is not None  # what the old count said


async def test_a_thread_left_running_is_still_caught_and_the_reason_names_the_questions():
    kernel, helper = Kernel(), assistant.Assistant(Outbox())
    idle = IdleCpu(limit_s=5.0)
    idle.over_limit(kernel.cpu_seconds)
    await answer_all(helper, kernel, cpu_each=0.02, count=50)
    kernel.cpu += 6.0  # a busy loop between questions
    reason = idle.over_limit(kernel.cpu_seconds, helper.cpu.excused_s)
    assert (
        reason is not None and "6.0 s of CPU" in reason and "besides 1.0 s answering the editor's questions" in reason
    )


async def test_a_question_may_take_one_second_and_all_of_them_ten_a_minute_then_answers_say_busy():
    kernel, outbox = Kernel(), Outbox()
    helper = assistant.Assistant(outbox)
    await answer_all(helper, kernel, cpu_each=5.0, count=1)  # a question that spun: only 1 s is excused
    assert helper.cpu.excused_s == assistant.QUESTION_CPU_S
    await answer_all(helper, kernel, cpu_each=1.0, count=9)
    assert helper.cpu.exhausted()
    sent = len(kernel.sent)
    await helper.ask(kernel, question(99), "ws")
    assert len(kernel.sent) == sent and outbox.replies[-1]["reason"] == "busy"  # not asked of the kernel


async def test_overlapping_questions_are_one_spell_counted_once():
    kernel, helper = Kernel(), assistant.Assistant(Outbox())
    await helper.ask(kernel, question(1), "ws")
    await helper.ask(kernel, question(2), "ws")
    kernel.cpu += 0.3
    for sent in list(kernel.sent):
        answer = {"type": "completions", "ref": sent["ref"], "items": [], "line": 1, "start": 6, "truncated": False}
        await helper.answered(kernel, answer)
    assert abs(helper.cpu.excused_s - 0.3) < 1e-9
    await asyncio.sleep(0)
