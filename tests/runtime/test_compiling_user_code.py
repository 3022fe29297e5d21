"""User code compiles as a plain file would, whatever the kernel's own modules import from
`__future__` (kernel_runtime/compiling.py); fast: no kernel."""

from __future__ import annotations

import ast

import pytest

from kernel_runtime import compiling
from tests.support import ROOT

CALLS_THAT_COMPILE = {"compile", "eval", "exec"}


def run(compiler: compiling.Compiler, source: str, names: dict) -> object:
    """What repl.Interpreter does with a run: statement by statement, the last value returned."""
    value = None
    for node in compiler.parse(source, "<test>").body:
        if isinstance(node, ast.Expr):
            value = eval(compiler.expression(node, "<test>"), names)
        else:
            exec(compiler.statement(node, "<test>"), names)
    return value


def test_compile_called_from_a_module_with_postponed_annotations_makes_them_strings():
    """Why compiling.py exists: this module, like the kernel's, imports annotations from __future__."""
    names: dict = {"int": int}
    exec(compile("class P:\n    x: int", "<test>", "exec"), names)  # as repl.py compiled a run before
    assert names["P"].__annotations__["x"] == "int"


def test_an_annotation_in_user_code_is_the_object_not_a_string():
    names: dict = {"int": int}
    assert run(compiling.Compiler(), "class P:\n    x: int\nP.__annotations__['x']", names) is int


def test_a_function_read_by_typing_gets_its_types():
    value = run(compiling.Compiler(), "import typing\ndef f(a: int) -> list[int]: pass\ntyping.get_type_hints(f)", {})
    assert value == {"a": int, "return": list[int]}


def test_a_future_import_written_by_the_user_holds_for_the_rest_of_the_session():
    compiler, names = compiling.Compiler(), {}
    source = "from __future__ import annotations\nclass P:\n    x: int\nP.__annotations__['x']"
    assert run(compiler, source, names) == "int"
    assert run(compiler, "def f(a: undefined_name): pass\nf.__annotations__['a']", names) == "undefined_name"


def test_a_future_import_after_other_statements_is_refused_as_a_file_refuses_it():
    with pytest.raises(SyntaxError, match="beginning of the file") as raised:
        compiling.Compiler().parse("x = 1\nfrom __future__ import annotations\n", "<test>")
    assert raised.value.lineno == 2


def test_a_docstring_may_come_before_a_future_import():
    assert run(compiling.Compiler(), '"""doc"""\nfrom __future__ import annotations\n1', {}) == 1


def test_top_level_await_is_a_syntax_error_as_in_a_file():
    with pytest.raises(SyntaxError):
        compiling.Compiler().statement(ast.parse("await f()").body[0], "<test>")


def test_only_compiling_py_compiles_or_evaluates_code_in_the_kernel_runtime():
    """The class closed: a new compile(), eval(), exec() or ast.parse() elsewhere fails here."""
    offenders = []
    for path in sorted((ROOT / "kernel_runtime").glob("*.py")):
        if path.name == "compiling.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _compiles(node):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def _compiles(call: ast.Call) -> bool:
    """compile() or ast.parse(); eval() or exec() of anything but a code object compiling.py made."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == "parse" and getattr(func.value, "id", "") == "ast"
    if not isinstance(func, ast.Name) or func.id not in CALLS_THAT_COMPILE:
        return False
    made_here = call.args and isinstance(call.args[0], ast.Call) and isinstance(call.args[0].func, ast.Attribute)
    return func.id == "compile" or not (made_here and call.args[0].func.attr in ("statement", "expression"))
