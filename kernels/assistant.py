"""The editor's questions (completion, inspection) on their way to a kernel and back.

They never wait behind a run: the host passes each to the kernel at once, under a `ref` of its
own, and the kernel's assistant thread answers beside whatever runs. A question the kernel has
not answered within DEADLINE_S, or asked of a session with no kernel, gets an empty answer
saying why (`reason`), never an error: the editor just shows nothing. The kernel's answer is
hostile like everything it sends: checked field by field and size by size (check_answer), and
a malformed one ends the kernel as any message outside the protocol does.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kernel_runtime import protocol
from kernel_runtime.protocol import ASSIST_LIMITS as LIMITS
from kernel_runtime.protocol import COMPLETION_ITEM, SIGNATURE, VALUE_CARD, MessageError

DEADLINE_S = 2.0  # a busy kernel's answer later than this is no help to someone typing
QUESTION_CPU_S = 1.0  # CPU a question may take that is not counted as the kernel's idle CPU ...
QUESTIONS_CPU_PER_MINUTE_S = 10.0  # ... and all questions within a minute; past it answers say "busy"
MAX_WAITING = 16  # questions in flight per session; more get an empty answer at once
RATE_PER_S = 20.0  # questions one websocket may ask per second, on average ...
BURST = 40  # ... and at once

_TEXT = protocol.Field((str,), max_chars=LIMITS["text"])
API_URL = re.compile(r"https://www\.tensorflow\.org/api_docs/python/tf(/[A-Za-z0-9_]+){0,8}")


class Outbox(Protocol):
    async def reply(self, channel: str, kind: str, text: str) -> None: ...


class Sender(Protocol):
    def send(self, message: dict) -> None: ...
    def kill(self, reason: str | None = None) -> None: ...
    def cpu_seconds(self) -> float: ...


class QuestionCpu:
    """The kernel CPU that went to answering questions, by the host's own count (the kernel's
    cgroup, read when the first question of a busy spell is asked and when the last is
    answered): the editor's help is not the visitor's cost, so it is not idle CPU, within a
    budget per question and per minute."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.excused_s = 0.0  # over the kernel's life
        self._clock = clock
        self._recent: collections.deque[tuple[float, float]] = collections.deque()  # (when, CPU excused)
        self._spell: tuple[Sender, float] | None = None  # the kernel and its CPU when the spell began
        self._asked = 0  # questions in this spell

    def exhausted(self) -> bool:
        now = self._clock()
        while self._recent and self._recent[0][0] < now - 60:
            self._recent.popleft()
        return sum(used for _, used in self._recent) >= QUESTIONS_CPU_PER_MINUTE_S

    def asked(self, kernel: Sender) -> None:
        if self._spell is None or self._spell[0] is not kernel:
            self._spell, self._asked = (kernel, kernel.cpu_seconds()), 0
        self._asked += 1

    def quiet(self) -> None:
        """No question is waiting any more: the spell's CPU is the questions', up to their budget."""
        if self._spell is None:
            return
        kernel, at_start = self._spell
        self._spell = None
        used = min(max(0.0, kernel.cpu_seconds() - at_start), self._asked * QUESTION_CPU_S)
        self.excused_s += used
        self._recent.append((self._clock(), used))


@dataclass
class Question:
    id: str
    kind: str  # complete | inspect
    line: int
    reply: str  # the websocket's channel
    timer: asyncio.TimerHandle | None = None


class Assistant:
    """One session's questions in flight, each answered once: by its kernel, or empty."""

    def __init__(self, outbox: Outbox):
        self._outbox = outbox
        self._waiting: dict[str, Question] = {}
        self._refs = itertools.count()
        self._late: set[asyncio.Task] = set()  # empty answers being sent for expired questions
        self.cpu = QuestionCpu()

    async def ask(self, kernel: Sender | None, request: dict, reply: str) -> None:
        question = Question(str(request["id"]), request["type"], request["line"], reply)
        if kernel is None:
            await self._answer(question, empty(question.kind, question.line, "no_kernel"))
            return
        if len(self._waiting) >= MAX_WAITING or self.cpu.exhausted():
            await self._answer(question, empty(question.kind, question.line, "busy"))
            return
        ref = f"q{next(self._refs)}"
        self.cpu.asked(kernel)
        self._waiting[ref] = question
        question.timer = asyncio.get_running_loop().call_later(DEADLINE_S, self._expire, ref)
        kernel.send({key: value for key, value in request.items() if key != "id"} | {"ref": ref})

    async def answered(self, kernel: Sender, message: dict) -> bool:
        """Pass on a kernel's `completions` or `inspection` a question waits for; False if none does."""
        question = self._waiting.pop(str(message.get("ref")), None)
        if question is None:
            return False  # late or never asked: counted and dropped like any stray message
        if not self._waiting:
            self.cpu.quiet()
        if question.timer is not None:
            question.timer.cancel()
        try:
            answer = check_answer(message)
        except MessageError as exc:
            kernel.kill(f"the kernel sent an answer that is not part of the protocol: {exc}")
            answer = empty(question.kind, question.line, "no_kernel")
        await self._answer(question, answer)
        return True

    def _expire(self, ref: str) -> None:
        question = self._waiting.pop(ref, None)
        if not self._waiting:
            self.cpu.quiet()
        if question is not None:
            task = asyncio.create_task(self._answer(question, empty(question.kind, question.line, "timeout")))
            self._late.add(task)
            task.add_done_callback(self._late.discard)

    async def _answer(self, question: Question, answer: dict) -> None:
        if answer["type"] != ("completions" if question.kind == "complete" else "inspection"):
            answer = empty(question.kind, question.line, "no_kernel")  # asked one thing, answered another
        body = {key: value for key, value in answer.items() if key != "ref"}
        text = json.dumps({**body, "id": question.id, "reason": answer.get("reason")})
        await self._outbox.reply(question.reply, answer["type"], text)


def empty(kind: str, line: int, reason: str) -> dict:
    """The answer with nothing in it, and why."""
    if kind == "complete":
        return protocol.COMPLETIONS(ref=None, items=[], line=line, start=0, truncated=False) | {"reason": reason}
    return protocol.INSPECTION(ref=None) | {"reason": reason}


def check_answer(message: dict) -> dict:
    """A kernel's answer whose every nested part fits the protocol and its sizes; else MessageError."""
    if message["type"] == "completions":
        items = message["items"]
        if len(items) > LIMITS["items"]:
            raise MessageError(f"more than {LIMITS['items']} completions")
        for item in items:
            COMPLETION_ITEM.check(_object(item))
        return message
    if message["signature"] is not None:
        params = SIGNATURE.check(message["signature"])["params"]
        if len(params) > LIMITS["params"] or not all(_TEXT.problem(p) is None for p in params):
            raise MessageError(f"a signature has at most {LIMITS['params']} parameters of short text")
    if message["doc"] is not None and len(message["doc"]) > LIMITS["doc"]:
        raise MessageError(f"a docstring is at most {LIMITS['doc']} characters")
    if message["url"] is not None and not API_URL.fullmatch(message["url"]):
        raise MessageError("an API link must be a page of tensorflow.org's Python API")
    if message["value"] is not None:
        shape = VALUE_CARD.check(message["value"])["shape"]
        if shape is not None and (len(shape) > 64 or not all(d is None or type(d) is int for d in shape)):
            raise MessageError("a shape is at most 64 integers or nulls")
    return message


def _object(value: object) -> dict:
    if not isinstance(value, dict):
        raise MessageError("each completion must be an object")
    return value


class Rate:
    """A token bucket: how many questions one websocket may ask (checked by the consumer)."""

    def __init__(self, per_s: float = RATE_PER_S, burst: int = BURST):
        self._per_s, self._burst = per_s, burst
        self._tokens, self._at = float(burst), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._per_s)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
