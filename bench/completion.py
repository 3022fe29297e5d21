"""Completion and inspection over the real websocket, idle and during a fit (issue 14).

    python -m bench.completion [--rounds 3] [--questions 120] [--jupyter]

For each round, in one fresh session of a site started here: the editor's four questions
(`tf.ma`, `t.`, the signature in `tf.reshape(t, `, the card of `t`) asked one after another
on an idle kernel, then the same at a typist's pace (one every 100 ms) while a Keras `fit` runs,
each timed from send to answer. Then the same fit alone and with someone typing, interleaved,
to see whether the questions slow it. With --jupyter, Jupyter Server + ipykernel answers the
same questions (`complete_request`, `inspect_request`) on the same code (jupyter_questions;
bench.compare runs this bench with it). Prints p50/p95 per figure and writes
bench/results/completion-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from websockets.exceptions import ConnectionClosed

from . import jupyter as jup
from .report import save_report
from .site import connect, next_message, running_site
from .stats import summary_ms
from .workloads import IMPORTS
from .workloads import T_SETUP as TENSOR

QUESTIONS = [  # (type, code, want)
    ("complete", "tf.ma", None),
    ("complete", TENSOR + "\nt.", None),
    ("inspect", TENSOR + "\ntf.reshape(t, ", "call"),
    ("inspect", TENSOR + "\nt", "name"),
]
FIT = (
    "model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation='relu'), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer='adam')\n"
    "X = np.random.rand(8000, 16).astype('float32')\n"
    "model.fit(X, X[:, :1], epochs={epochs}, batch_size=32, verbose=0)\n"
)
TYPING_PAUSE_S = 0.1  # ten keystrokes a second, each asking one question


def question(kind: str, code: str, want: str | None) -> dict:
    lines = code.split("\n")
    message = {"type": kind, "id": uuid.uuid4().hex, "code": code, "line": len(lines), "column": len(lines[-1])}
    return message | ({"want": want} if want else {})


class Asker:
    """One websocket: questions timed to their answers, other messages kept for whoever waits on them."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.answers: dict[str, asyncio.Future] = {}
        self.others: asyncio.Queue = asyncio.Queue()
        self.empty: list[str] = []  # the reasons of empty answers
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            try:
                message = await next_message(self.websocket)
            except ConnectionClosed:  # the bench is done with this websocket
                return
            waiter = self.answers.pop(message.get("id"), None)
            if waiter is not None and message["type"] in ("completions", "inspection"):
                waiter.set_result((time.perf_counter(), message))
            else:
                await self.others.put(message)

    async def ask(self, kind: str, code: str, want: str | None) -> tuple[float, dict]:
        message = question(kind, code, want)
        self.answers[message["id"]] = asyncio.get_running_loop().create_future()
        sent = time.perf_counter()
        await self.websocket.send(json.dumps(message))
        arrived, answer = await self.answers[message["id"]]
        if answer["reason"] is not None:  # a timeout counts at its 2 s; reported beside the figures
            self.empty.append(answer["reason"])
        return arrived - sent, answer

    async def run(self, code: str) -> dict:
        """Send a run; its `done`."""
        run_id = uuid.uuid4().hex
        await self.websocket.send(json.dumps({"type": "execute", "id": run_id, "code": code}))
        while True:
            message = await self.others.get()
            if message.get("id") == run_id and message["type"] == "done":
                return message

    async def wait_progress(self) -> None:
        while (await self.others.get())["type"] != "progress":
            pass


async def idle(asker: Asker, count: int) -> list[float]:
    """Timings in QUESTIONS' order, round and round (summarise() splits them by question)."""
    timings = []
    for index in range(count):
        elapsed, _ = await asker.ask(*QUESTIONS[index % len(QUESTIONS)])
        timings.append(elapsed)
        await asyncio.sleep(TYPING_PAUSE_S)  # a typist's pace, within the socket's rate limit
    return timings


async def during_fit(asker: Asker, count: int) -> tuple[list[float], bool]:
    """Questions at a typist's pace while a long fit runs; whether the fit was still running at the end."""
    fit = asyncio.create_task(asker.run(FIT.format(epochs=400)))
    await asker.wait_progress()
    timings = []
    for index in range(count):
        elapsed, _ = await asker.ask(*QUESTIONS[index % len(QUESTIONS)])
        timings.append(elapsed)
        await asyncio.sleep(TYPING_PAUSE_S)
    still_running = not fit.done()
    await asker.websocket.send(json.dumps({"type": "interrupt"}))
    await fit
    return timings, still_running


async def fit_time(asker: Asker, typing: bool) -> float:
    """A fixed fit's own elapsed time (the kernel's `done`), with or without questions beside it."""
    fit = asyncio.create_task(asker.run(FIT.format(epochs=8)))
    index = 0
    while typing and not fit.done():
        await asker.ask(*QUESTIONS[index % len(QUESTIONS)])
        index += 1
        await asyncio.sleep(TYPING_PAUSE_S)
    return (await fit)["elapsed_ms"]


async def one_round(base: str, questions: int) -> dict:
    websocket = await connect(base)
    asker = Asker(websocket)
    while True:
        message = await asker.others.get()
        if message["type"] == "status" and message["state"] == "idle":
            break
    await asker.run(TENSOR)
    await idle(asker, 8)  # the first questions of a session, before timing (each kind once or twice)
    figures = {"idle": await idle(asker, questions)}
    figures["fit"], figures["fit_still_running"] = await during_fit(asker, questions)
    pairs = []
    for _ in range(3):  # interleaved: the machine's noise falls on both
        pairs.append((await fit_time(asker, typing=False), await fit_time(asker, typing=True)))
    figures["fit_ms_alone_typing"] = pairs
    figures["empty_answers"] = asker.empty
    asker.reader.cancel()
    await websocket.close()
    return figures


async def main_async(rounds: int, questions: int, jupyter: bool) -> dict:
    report: dict = {"playground": []}
    with running_site(quiet=True) as base:
        for _ in range(rounds):
            report["playground"].append(await one_round(base, questions))
    if jupyter:
        report["jupyter"] = [await jupyter_questions(QUESTIONS, questions) for _ in range(rounds)]
    return report


def summarise(report: dict) -> dict:
    ours = report["playground"]
    summary = {
        "idle": summary_ms([t for r in ours for t in r["idle"]]),
        "during_fit": summary_ms([t for r in ours for t in r["fit"]]),
        "fit_ms_alone_vs_typing": [pair for r in ours for pair in r["fit_ms_alone_typing"]],
        "empty_answers": [reason for r in ours for reason in r["empty_answers"]],
    }
    for index, (kind, code, want) in enumerate(QUESTIONS):
        name = f"{kind} {want or ''} {code.split(chr(10))[-1]!r}"
        summary[f"idle: {name}"] = summary_ms([t for r in ours for t in r["idle"][index :: len(QUESTIONS)]])
        summary[f"fit: {name}"] = summary_ms([t for r in ours for t in r["fit"][index :: len(QUESTIONS)]])
    if "jupyter" in report:
        summary["jupyter_idle"] = summary_ms([t for r in report["jupyter"] for t in r["idle"]])
        summary["jupyter_during_fit"] = summary_ms([t for r in report["jupyter"] for t in r["fit"]])
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=120)
    parser.add_argument("--jupyter", action="store_true", help="also ask Jupyter's kernel (jupyter_questions)")
    args = parser.parse_args()
    report = asyncio.run(main_async(args.rounds, args.questions, args.jupyter))
    summary = summarise(report)
    save_report({"summary": summary, "raw": report}, "completion")
    for name, figure in summary.items():
        print(f"{name:<42} {figure}")


# --- Jupyter's side: the same questions as its shell requests -----------------------------------


async def jupyter_questions(questions: list[tuple], count: int) -> dict:
    """Jupyter's `complete_request` and `inspect_request` on the same code as the playground's
    `questions` (a call's signature is an inspect_request there), idle and during a fit. ipykernel
    answers shell requests in order, so during a fit a question waits for it to end: the fit here
    is short (about 10 s) and only a few questions are asked during it."""
    with jup.running_jupyter() as server:
        kernel_id = await asyncio.to_thread(server.start_kernel)
        session = await server.connect(kernel_id)
        await session.execute(IMPORTS + "keras = tf.keras\n" + TENSOR)
        asks = [_jupyter_question(kind, code) for kind, code, _ in questions]
        for request in asks * 2:
            await _jupyter_ask(session, dict(request))  # warm, as one_round does
        idle = [await _jupyter_ask(session, dict(asks[i % len(asks)])) for i in range(count)]
        fit = "m = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64), keras.layers.Dense(1)])\n"
        fit += "m.compile(loss='mse', optimizer='adam')\nX = np.random.rand(8000, 16).astype('float32')\n"
        fit += "m.fit(X, X[:, :1], epochs=40, batch_size=32, verbose=0)"
        await session.websocket.send(json.dumps(jup.execute_request(uuid.uuid4().hex, session.session, fit)))
        await asyncio.sleep(1.0)  # the fit is under way
        during = [await _jupyter_ask(session, dict(asks[i % len(asks)])) for i in range(min(count, 4))]
        await session.close()
        await asyncio.to_thread(server.shutdown_kernel, kernel_id)
    return {"idle": idle, "fit": during}


def _jupyter_question(kind: str, code: str) -> dict:
    msg_type = "complete_request" if kind == "complete" else "inspect_request"
    content = {"code": code, "cursor_pos": len(code)} | ({} if kind == "complete" else {"detail_level": 0})
    request = jup.execute_request("", "", "")
    request["header"]["msg_type"], request["content"] = msg_type, content
    return request


async def _jupyter_ask(session: jup.JupyterSession, request: dict) -> float:
    """Seconds from sending one shell request to its reply (other messages on the socket are skipped)."""
    msg_id = uuid.uuid4().hex
    request["header"] = {**request["header"], "msg_id": msg_id, "session": session.session}
    reply = request["header"]["msg_type"].replace("_request", "_reply")
    sent = time.perf_counter()
    await session.websocket.send(json.dumps(request))
    while True:
        message = json.loads(await session.websocket.recv())
        if message.get("parent_header", {}).get("msg_id") == msg_id and message["msg_type"] == reply:
            return time.perf_counter() - sent


if __name__ == "__main__":
    main()
