"""Hints for the most common TensorFlow mistakes, computed in the kernel from the exception,
the failing line and the session's namespace.

A hint is `{"code": ..., "params": {...}, "text": ...}`: the page translates `code` with the
`params` filled in, and falls back to `text` (English) for codes it does not know. Hints are
advice, never essential: anything unexpected here yields no hint rather than an error.

SENTENCES holds each hint's wording, once: the kernel fills `text` from it, and the page's
templates/ui_strings.html shows it translated (makemessages finds it here, marked with
gettext_noop; the Spanish is in locale/es/LC_MESSAGES/django.po). Standard library only, so the
web side may import it; it never imports Django.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import re

from . import compiling

# TensorFlow's C++ names for dtypes, as they appear in op error messages.
_TF_DTYPES = {"float": "float32", "double": "float64", "half": "float16"}
_DTYPE_MIX = [
    # cannot compute AddV2 as input #1(zero-based) was expected to be a float tensor but is a int32 tensor
    re.compile(
        r"cannot compute (?P<op>\w+) as input #(?P<index>\d+)\(zero-based\) was expected to be a "
        r"(?P<expected>\w+) tensor but is a (?P<got>\w+) tensor"
    ),
    # Input 'y' of 'AddV2' Op has type float64 that does not match type float32 of argument 'x'.
    re.compile(
        r"Input '\w+' of '(?P<op>\w+)' Op has type (?P<got>\w+) that does not match type "
        r"(?P<expected>\w+) of argument"
    ),
    # Tensor conversion requested dtype float32 for Tensor with dtype int32
    re.compile(r"Tensor conversion requested dtype (?P<expected>\w+) for Tensor with dtype (?P<got>\w+)"),
]
_UNSUPPORTED = re.compile(
    r"Value for attr '\w+' of (?P<got>\w+) is not in the list of allowed values: (?P<allowed>[^\n;]+)"
)
_OP = re.compile(r"\[Op:(\w+)\]")
_MATMUL = re.compile(r"Matrix size-incompatible: In\[0\]: \[(?P<a>[\d,]*)\], In\[1\]: \[(?P<b>[\d,]*)\]")
_BROADCAST = re.compile(r"Incompatible shapes: \[(?P<a>[-\d,]*)\] vs. \[(?P<b>[-\d,]*)\]")
_CUSTOM = re.compile(r"Could not locate (?:function|class) '(?P<name>[\w.]+)'")
_ELISION = re.compile(r"\[\s*\.\.\.\s*\]")
_BINARY_FUNCS = {"add", "subtract", "multiply", "divide", "matmul", "maximum", "minimum", "pow", "truediv"}


def gettext_noop(message: str) -> str:
    """Marks a sentence for Django's makemessages (by this name), without importing Django."""
    return message


# The hints' sentences by code ({name} is a param), in the order the page lists them.
SENTENCES = {
    "dtype_mix": gettext_noop(
        "{op} got operands of different dtypes: {a} is {a_dtype}, {b} is {b_dtype}. TensorFlow never converts "
        "dtypes implicitly; cast one of them, e.g. {fix}."
    ),
    "dtype_unsupported": gettext_noop(
        "{op} does not accept {dtype} tensors (it takes {allowed}). Cast first, e.g. {fix}."
    ),
    "matmul_shapes": gettext_noop(
        "A matrix product needs the inner dimensions to match: {a} @ {b} has {k1} columns against {k2} rows. "
        "Transpose or reshape one operand, e.g. {fix}."
    ),
    "broadcast_shapes": gettext_noop(
        "Shapes {a} and {b} do not broadcast: compared from the right, each pair of dimensions must be equal or 1 "
        "({da} vs {db} here). Reshape one, e.g. with tf.reshape or tf.expand_dims."
    ),
    "name_suggest": gettext_noop("{name} is not defined. Did you mean {suggestion}?"),
    "name_undefined": gettext_noop(
        "{name} is not defined in this session. Define it first: names live across runs until a Restart."
    ),
    "attr_suggest": gettext_noop("There is no {name} here. Did you mean {suggestion}?"),
    "custom_objects": gettext_noop(
        "The saved model uses {name}, which Keras cannot find by itself. Pass it when loading: {fix}."
    ),
    "elision": gettext_noop(
        "In the lesson, [...] stands for more arguments, such as epochs=10: it is not code to type. "
        "Replace it, e.g. model.fit(X_train, y_train, epochs=10)."
    ),
}


def for_error(exc: BaseException, line: str | None, namespace: dict) -> dict | None:
    """The hint for an exception raised on `line` (the user's source line), or None."""
    try:
        return _hint(exc, line or "", namespace)
    except Exception:
        return None


def _hint(exc: BaseException, line: str, namespace: dict) -> dict | None:
    message = str(exc)
    if _ELISION.search(line) and not isinstance(exc, (NameError, KeyboardInterrupt)):
        return _make("elision")
    if isinstance(exc, NameError) and exc.name:
        return _name_hint(exc.name, namespace)
    if isinstance(exc, AttributeError) and exc.name and getattr(exc, "obj", None) is not None:
        return _attribute_hint(exc.name, exc.obj)
    for pattern in _DTYPE_MIX:
        found = pattern.search(message)
        if found:
            return _dtype_mix(found, line, namespace, message)
    found = _UNSUPPORTED.search(message)
    if found:
        return _unsupported(found, line, message)
    found = _MATMUL.search(message)
    if found:
        return _matmul(_dims(found["a"]), _dims(found["b"]))
    found = _BROADCAST.search(message)
    if found:
        return _broadcast(_dims(found["a"]), _dims(found["b"]))
    found = _CUSTOM.search(message)
    if found:
        return _custom_objects(found["name"], line)
    return None


def _make(code: str, **params: object) -> dict:
    strings = {k: str(v) for k, v in params.items()}
    return {"code": code, "params": strings, "text": SENTENCES[code].format(**strings)}


# ---------- names ----------


def _name_hint(name: str, namespace: dict) -> dict:
    candidates = [n for n in namespace if not n.startswith("_")]
    candidates += [n for n in dir(builtins) if not n.startswith("_")] + list(keyword.kwlist)
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return _make("name_suggest", name=name, suggestion=close[0])
    return _make("name_undefined", name=name)


def _attribute_hint(name: str, obj: object) -> dict | None:
    close = difflib.get_close_matches(name, [n for n in dir(obj) if not n.startswith("_")], n=1, cutoff=0.6)
    if not close:
        return None
    return _make("attr_suggest", name=name, suggestion=close[0])


# ---------- dtypes ----------


def _dtype_name(tf_name: str) -> str:
    return _TF_DTYPES.get(tf_name, tf_name)


def _dtype_mix(found: re.Match, line: str, namespace: dict, message: str) -> dict:
    expected, got = _dtype_name(found["expected"]), _dtype_name(found["got"])
    op = found.groupdict().get("op") or _op_name(message) or "the operation"
    index = int(found.groupdict().get("index") or 1)
    pair = _operand_pair(line, namespace)
    if pair:
        left, right = pair
        # Input #index is the one with the unexpected dtype; the other one set the expectation.
        odd, other = (right, left) if index == 1 else (left, right)
    else:
        odd, other = f"input #{index}", f"input #{1 - index if index in (0, 1) else 0}"
    fix = f"tf.cast({odd}, tf.{expected})"
    return _make("dtype_mix", op=op, a=other, a_dtype=expected, b=odd, b_dtype=got, fix=fix)


def _unsupported(found: re.Match, line: str, message: str) -> dict:
    op = _op_name(message) or "This operation"
    got = _dtype_name(found["got"])
    allowed = [_dtype_name(n.strip()) for n in found["allowed"].split(",") if n.strip()]
    target = "float32" if "float32" in allowed else (allowed[0] if allowed else "float32")
    arg = _first_call_arg(line, op) or "x"
    fix = f"tf.{op.lower()}(tf.cast({arg}, tf.{target}))" if arg != "x" else f"tf.cast(x, tf.{target})"
    return _make("dtype_unsupported", op=op, dtype=got, allowed=", ".join(allowed), fix=fix)


def _op_name(message: str) -> str | None:
    found = _OP.search(message)
    return found.group(1) if found else None


def _parse(line: str) -> ast.AST | None:
    try:
        return compiling.syntax_tree(line.strip())
    except SyntaxError:
        return None


def _operand_pair(line: str, namespace: dict) -> tuple[str, str] | None:
    """Source of the two operands of the binary operation on the line (the first one found)."""
    tree = _parse(line)
    if tree is None:
        return None
    source = line.strip()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            left, right = node.left, node.right
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and _callee(node) in _BINARY_FUNCS:
            left, right = node.args[0], node.args[1]
        else:
            continue
        a, b = ast.get_source_segment(source, left), ast.get_source_segment(source, right)
        if a and b:
            return a, b
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _first_call_arg(line: str, op: str) -> str | None:
    tree = _parse(line)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and _callee(node).lower() == op.lower():
            return ast.get_source_segment(line.strip(), node.args[0])
    return None


# ---------- shapes ----------


def _dims(text: str) -> list[int]:
    return [int(d) for d in text.split(",") if d.strip()]


def _shape(dims: list[int]) -> str:
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def _matmul(a: list[int], b: list[int]) -> dict:
    k1, k2 = (a[-1] if a else "?"), (b[-2] if len(b) >= 2 else "?")
    if len(a) >= 2 and len(b) >= 2 and a[-1] == b[-1]:
        fix = "tf.matmul(a, b, transpose_b=True)"
    elif len(a) >= 2 and len(b) >= 2 and a[-2] == b[-2]:
        fix = "tf.matmul(a, b, transpose_a=True)"
    else:
        fix = "tf.reshape(...)"
    return _make("matmul_shapes", a=_shape(a), b=_shape(b), k1=k1, k2=k2, fix=fix)


def _broadcast(a: list[int], b: list[int]) -> dict:
    da: int | str = "?"
    db: int | str = "?"
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y and 1 not in (x, y):
            da, db = x, y
            break
    return _make("broadcast_shapes", a=_shape(a), b=_shape(b), da=da, db=db)


# ---------- saved models ----------


def _custom_objects(name: str, line: str) -> dict:
    path = _first_call_arg(line, "load_model") or '"modelo.keras"'
    short = name.rsplit(".", 1)[-1]
    fix = f'keras.models.load_model({path}, custom_objects={{"{short}": {short}}})'
    return _make("custom_objects", name=short, fix=fix)
