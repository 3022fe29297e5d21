"""REPL semantics: run a snippet statement by statement, reporting every expression's value.

Each top-level expression statement whose value is not None becomes a `result` tagged with its
line. Execution stops at the first exception, reported with the line in this snippet and a
traceback trimmed to the user's own code. Snippet sources are registered in `linecache`, so
tracebacks, `inspect.getsource` and AutoGraph (which reads a function's source to convert it
inside `tf.function` and Keras training) all see user code as if it were a file.
"""

from __future__ import annotations

import ast
import errno
import linecache
import re
import traceback
from collections.abc import Callable
from types import TracebackType

from . import compiling, hints, protocol, render

FILENAME_PREFIX = "<snippet-"
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
SCRATCH_BYTES: int | None = None  # set by the worker from its config, to explain a full disk
# TensorFlow prefixes op errors with the internal function name: noise for a learner.
_FUNCTION_NODE = re.compile(r"^\{\{function_node [^}]*\}\}\s*")


class Interpreter:
    def __init__(self, namespace: dict, send: Callable[[dict], None], caps: render.Caps):
        self.namespace = namespace
        self._send = send
        self._caps = caps
        self._count = 0
        self._compiler = compiling.Compiler()  # never compile() here: it would pass on this module's futures

    def run(self, request_id: str, code: str, in_user_code: Callable[[bool], None]) -> bool:
        """Run one snippet; returns True when it ran to the end without an exception."""
        self._count += 1
        filename = f"{FILENAME_PREFIX}{self._count}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        try:
            tree = self._compiler.parse(code, filename)
        except SyntaxError as exc:
            self._send_error(request_id, exc, exc.lineno, [])
            linecache.cache.pop(filename, None)
            return False
        try:
            return self._run_tree(request_id, tree, filename, in_user_code)
        finally:
            # Only code that can run again later (functions, classes, lambdas) needs its source
            # kept for tracebacks and AutoGraph; the rest would grow the kernel run after run.
            if not _defines_code(code, tree):
                linecache.cache.pop(filename, None)

    def _run_tree(self, request_id: str, tree: ast.Module, filename: str, in_user_code: Callable) -> bool:
        for node in tree.body:
            try:
                in_user_code(True)
                try:
                    value = self._run_statement(node, filename)
                finally:
                    in_user_code(False)
            except BaseException as exc:
                self._report(request_id, exc, filename, node)
                return False
            if value is not None:
                self.namespace["_"] = value
                rendered = render.render(value, self._caps)
                self._send(
                    protocol.RESULT(id=request_id, lineno=node.lineno, end_lineno=node.end_lineno, value=rendered)
                )
        return True

    def _run_statement(self, node: ast.stmt, filename: str) -> object:
        if isinstance(node, ast.Expr):
            return eval(self._compiler.expression(node, filename), self.namespace)
        exec(self._compiler.statement(node, filename), self.namespace)
        return None

    def _report(self, request_id: str, exc: BaseException, filename: str, node: ast.stmt) -> None:
        frames = _user_frames(exc.__traceback__)
        here = [f for f in frames if f.filename == filename]
        lineno = here[-1].lineno if here else node.lineno
        if isinstance(exc, SyntaxError) and exc.filename == filename:
            lineno = exc.lineno
        self._send_error(request_id, exc, lineno, frames)

    def _send_error(self, request_id: str, exc: BaseException, lineno: int | None, frames: list) -> None:
        evalue = _FUNCTION_NODE.sub("", str(exc)).strip()
        if isinstance(exc, KeyboardInterrupt):
            evalue = evalue or "Interrupted."
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC and SCRATCH_BYTES:
            evalue += f" (scratch and /tmp hold {SCRATCH_BYTES // 2**20} MiB each: PLAYGROUND_SCRATCH_BYTES)"
        lines = [f"{_snippet_name(f.filename)}, line {f.lineno}, in {f.name}\n    {f.line}" for f in frames]
        lines += traceback.format_exception_only(type(exc), exc)
        self._send(
            protocol.ERROR(
                id=request_id,
                ename=type(exc).__name__,
                evalue=evalue,
                lineno=lineno,
                traceback=[line.rstrip("\n") for line in lines],
                hint=hints.for_error(exc, frames[-1].line if frames else None, self.namespace),
                frames=[
                    {"snippet": _snippet_number(f.filename), "lineno": f.lineno, "name": f.name, "line": f.line}
                    for f in frames
                ],
            )
        )


def _defines_code(code: str, tree: ast.Module) -> bool:
    # Walking the tree costs more than the rest of a trivial run's parsing; code without these
    # words defines nothing (a decorator or `lambda` needs them too).
    if "def" not in code and "class" not in code and "lambda" not in code:
        return False
    return any(isinstance(n, _DEFINITIONS) for n in ast.walk(tree))


def _user_frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    summary = traceback.extract_tb(tb)
    return [f for f in summary if f.filename.startswith(FILENAME_PREFIX)]


def _snippet_number(filename: str) -> int:
    return int(filename[len(FILENAME_PREFIX) : -1])


def _snippet_name(filename: str) -> str:
    return f"Snippet {_snippet_number(filename)}"
