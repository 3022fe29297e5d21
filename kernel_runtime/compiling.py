"""User code compiled as Python compiles a plain file: the one place the kernel turns a
visitor's source into code objects.

`compile()` inherits the future statements of the module that calls it unless told not to;
the kernel's own modules say `from __future__ import annotations`, which would make every
annotation in user code a string, and classes that read their annotations at run time
(`tf.experimental.ExtensionType`, dataclasses with `typing` checks, pydantic) then fail. So
every compile here passes `dont_inherit=True` and only the flags the user's own code asked for:
a `from __future__ import ...` at the top of a run holds for the rest of the session, as it
does in Python's REPL and in Jupyter, where each input is compiled on its own. Top-level
`await` is not offered (a plain file rejects it too).
"""

from __future__ import annotations
import __future__

import ast
import functools
import operator
import typing
from types import CodeType

# The compiler flags of every future feature, to keep from a compiled statement's co_flags.
FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)
)
_MISPLACED = "from __future__ imports must occur at the beginning of the file"


def syntax_tree(source: str) -> ast.Module:
    """A source's syntax tree, only to read (the hints look at a failing line this way)."""
    return typing.cast(ast.Module, compile(source, "<line>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True))


class Compiler:
    """Compiles one session's runs, statement by statement, remembering its future statements."""

    def __init__(self) -> None:
        self.flags = 0  # a plain file's: none

    def parse(self, source: str, filename: str) -> ast.Module:
        """The run's syntax tree; a SyntaxError as a file with this source would raise."""
        tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST | self.flags, dont_inherit=True)
        _check_future_placement(tree, filename)
        return typing.cast(ast.Module, tree)

    def statement(self, node: ast.stmt, filename: str) -> CodeType:
        return self._compile(ast.Module([node], type_ignores=[]), filename, "exec")

    def expression(self, node: ast.Expr, filename: str) -> CodeType:
        return self._compile(ast.Expression(node.value), filename, "eval")

    def _compile(self, tree: ast.Module | ast.Expression, filename: str, mode: str) -> CodeType:
        code = compile(tree, filename, mode, self.flags, dont_inherit=True)
        self.flags |= code.co_flags & FUTURE_FLAGS  # a `from __future__` the user wrote
        return code


def _check_future_placement(tree: ast.Module, filename: str) -> None:
    """Compiled one statement at a time, a late future import would pass; a file refuses it."""
    body = tree.body
    start = 1 if body and _is_docstring(body[0]) else 0
    while start < len(body) and _is_future_import(body[start]):
        start += 1
    for node in body[start:]:
        if _is_future_import(node):
            raise SyntaxError(_MISPLACED, (filename, node.lineno, node.col_offset + 1, None))


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_future_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"
