"""A lesson's starting code: what students get, and the checks they never see.

Cells are Jupytext's `# %%` cells, as the editor divides them. A cell whose first line is
`# %% exercise: <title>` is a task; a `# %% check` cell (or `# %% check: <title>`) is the
teacher's hidden test for the exercise before it (or for the one it names). Check cells are
taken out of what students get, their links and their downloads; a check runs in the student's
kernel after the student runs that exercise's cell (kernels/checks.py), and its `assert`
messages are the feedback, as in nbgrader's hidden tests.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

CELL = re.compile(r"^#\s*%%")
EXERCISE = re.compile(r"^#\s*%%\s*exercise\s*:\s*(?P<title>\S.*?)\s*$", re.IGNORECASE)
CHECK = re.compile(r"^#\s*%%\s*check\b\s*(?::\s*(?P<title>\S.*?))?\s*$", re.IGNORECASE)
MAX_TITLE_CHARS = 120


class LessonError(ValueError):
    """Starting code a class cannot be opened with; the message says which line and why."""


@dataclass
class Lesson:
    student_code: str  # the starting code without its check cells
    checks: dict[str, str] = field(default_factory=dict)  # exercise title -> its check's code
    exercises: list[str] = field(default_factory=list)  # titles, in order


def cells(code: str) -> list[tuple[int, str]]:
    """(first line from 1, text) of each cell; text before the first marker is a cell too."""
    lines = code.splitlines()
    starts = [0] + [n for n, line in enumerate(lines) if n and CELL.match(line)]
    bounds = zip(starts, [*starts[1:], len(lines)], strict=True)
    return [(first + 1, "\n".join(lines[first:end])) for first, end in bounds if lines[first:end]]


def parse(code: str) -> Lesson:
    lesson = Lesson(student_code="")
    kept: list[str] = []
    last_exercise: str | None = None
    for line, text in cells(code):
        first = text.split("\n", 1)[0]
        exercise, check = EXERCISE.match(first), CHECK.match(first)
        if exercise:
            last_exercise = _title(exercise["title"], line)
            if last_exercise in lesson.exercises:
                raise LessonError(f"Line {line}: a second exercise is called {last_exercise!r}; titles must differ.")
            lesson.exercises.append(last_exercise)
        if check:
            title = _title(check["title"], line) if check["title"] else last_exercise
            if title is None or title not in lesson.exercises:
                raise LessonError(f"Line {line}: this check follows no exercise (begin one: `# %% exercise: <title>`).")
            body = text.split("\n", 1)[1] if "\n" in text else ""
            _compiles(body, line + 1)
            lesson.checks[title] = (lesson.checks.get(title, "") + "\n" + body).strip("\n")
            continue
        kept.append(text)
    lesson.student_code = "\n".join(kept).rstrip("\n") + ("\n" if kept else "")
    return lesson


def exercises_in(run_code: str) -> list[str]:
    """The exercises a run holds, in order: a cell run alone is one; Run on the whole code, each."""
    titles = (EXERCISE.match(line) for line in run_code.splitlines())
    return list(dict.fromkeys(match["title"][:MAX_TITLE_CHARS] for match in titles if match))


def _compiles(body: str, first_line: int) -> None:
    """A check that cannot compile would fail every student: said when the class opens. Parsed
    only (ast), never run here."""
    try:
        ast.parse(body, "<check>")
    except SyntaxError as exc:
        line = first_line + (exc.lineno or 1) - 1
        raise LessonError(f"Line {line}: the check does not compile ({exc.msg}).") from None


def _title(title: str, line: int) -> str:
    if len(title) > MAX_TITLE_CHARS:
        raise LessonError(f"Line {line}: an exercise's title is at most {MAX_TITLE_CHARS} characters.")
    return title
