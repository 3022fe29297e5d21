"""An exercise's hidden checks: run in the student's kernel after the student's run, each said
as a pass or a fail (its `assert` message) with the run's id, to its pages, its record and the
class's teacher (classroom/lesson.py says how a lesson writes them).

A check runs on a copy of the student's namespace, so it reads their variables and leaves none
of its own. Its output is never shown: only its verdict. The student's kernel is the student's,
so code in it could see or fake a check: a check is feedback for the student and an overview
for the teacher, not an exam (docs/classes.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel_runtime import protocol
from playground import messages

MAX_CHECKS = 20  # of one run
MAX_MESSAGE_CHARS = 300


def check_code(code: str) -> str:
    """The check as the kernel runs it: compiled as a file of its own, on a copy of the namespace."""
    return f"exec(compile({code!r}, '<check>', 'exec', dont_inherit=True), {{**globals()}})"


@dataclass
class CheckRun:
    run_id: str
    title: str
    id: str
    failure: str | None = None


@dataclass
class ExerciseChecks:
    """The checks of the run that has just ended, one after another."""

    current: CheckRun | None = None
    _left: list[tuple[str, str]] = field(default_factory=list)
    _run_id: str = ""
    _count: int = 0

    def after_run(self, run_id: str, checks: list, done: dict) -> list[dict]:
        """The run `run_id` ended with `done`: verdicts to give now (a run that failed fails every
        check without running it; one that was stopped gives none), and its checks queued."""
        given = [c for c in checks[:MAX_CHECKS] if isinstance(c, dict)]
        wanted = [(str(c.get("title", ""))[:120], str(c.get("code", ""))) for c in given]
        if not wanted or done.get("cancelled") or done.get("stopped_by"):
            return []
        if not done.get("ok"):
            message = "the cell stopped with an error before its end; mend it and run it again"
            return [verdict(run_id, title, False, message) for title, _ in wanted]
        self._run_id, self._left = run_id, wanted
        return []

    def start_next(self, process) -> bool:
        """Send the next queued check to `process`; False when none is left."""
        if not self._left:
            self.current = None
            return False
        title, code = self._left.pop(0)
        self._count += 1
        self.current = CheckRun(self._run_id, title, f"{self._run_id}~check{self._count}"[: protocol.MAX_ID_CHARS])
        process.send(protocol.EXECUTE(id=self.current.id, code=check_code(code)))
        return True

    def owns(self, message: dict) -> bool:
        return self.current is not None and message.get("id") == self.current.id

    def take(self, message: dict) -> dict | None:
        """A message of the running check; its verdict once it is done."""
        check = self.current
        assert check is not None
        if message["type"] == "error" and check.failure is None:
            evalue, ename = str(message.get("evalue", "")).strip(), str(message.get("ename", ""))
            check.failure = evalue if evalue and ename == "AssertionError" else f"{ename}: {evalue}".rstrip(": ")
        if message["type"] != "done":
            return None
        passed = bool(message.get("ok")) and check.failure is None
        return verdict(check.run_id, check.title, passed, "" if passed else (check.failure or "the check failed"))

    def cancel(self) -> None:
        self.current, self._left = None, []


def verdict(run_id: str, title: str, passed: bool, message: str) -> dict:
    return messages.VERDICT(id=run_id, exercise=title, passed=passed, message=message[:MAX_MESSAGE_CHARS])
