"""Looking at the session's values without running the visitor's code.

The Variables list (main thread, after every run, where an interrupt is deferred) and the
editor's questions (the assistant thread, outside any run, never interruptible) describe values
by static introspection only: `type(value)` (which no class can fake, unlike `isinstance`,
which consults a `__class__` property), a type's own dictionary and method resolution order
read through `type`'s descriptors, and attributes of the types we render, known exactly. A
user-defined `__repr__`, `__len__`, `__dir__`, `__getattr__` or `__class__` never runs here.
"""

from __future__ import annotations

import sys
import types

# Where a class's code may come from for its instances to be looked at as they are: the standard
# library and the libraries a session imports for its work.
TRUSTED_PACKAGES = frozenset(
    {"builtins", "numpy", "tensorflow", "keras", "tf_keras", "matplotlib", "sklearn", "scipy", "pandas", "jax"}
    | set(sys.stdlib_module_names)
)
_TYPE_NAME = type.__dict__["__name__"]
_TYPE_MODULE = type.__dict__["__module__"]
_TYPE_MRO = type.__dict__["__mro__"]


def name_of(cls: type) -> str:
    """A class's name as `type` keeps it (a metaclass's `__name__` property is not asked)."""
    return str(_TYPE_NAME.__get__(cls, type))


def mro(cls: type) -> tuple[type, ...]:
    return tuple(_TYPE_MRO.__get__(cls, type))


def module_of(cls: type) -> str:
    module = _TYPE_MODULE.__get__(cls, type)
    return module if isinstance(module, str) else ""  # a class may set __module__ to anything


def is_trusted_class(cls: type) -> bool:
    """Whether every class `cls` inherits from, and its metaclass, come from trusted packages."""
    meta = type(cls)
    classes = (*mro(cls), *(mro(meta) if meta is not type else ()))
    return all(module_of(c).partition(".")[0] in TRUSTED_PACKAGES for c in classes)


def is_class(value: object) -> bool:
    return issubclass(type(value), type)  # not isinstance(value, type): that asks value.__class__


def exactly(value: object, *classes: type) -> bool:
    """Whether `value`'s type is one of `classes` itself (a subclass may override what we read)."""
    return type(value) in classes


def inherits(value: object, cls: type) -> bool:
    """Whether `cls` is among the classes of `value`'s type, read from its MRO."""
    return cls in mro(type(value))


def for_jedi(names: dict) -> dict:
    """The session's names as jedi may look at them: values of trusted types as they are, a
    user-defined class's instance as its class (jedi then lists the class's attributes, and
    reading them runs nothing as long as its metaclass is trusted), anything else left out
    (jedi still infers it from the code)."""
    view = {}
    for name, value in names.items():
        cls = type(value)
        if issubclass(cls, types.ModuleType):
            if is_trusted_class(cls) and _module_name(value).partition(".")[0] in TRUSTED_PACKAGES:
                view[name] = value
        elif is_class(value):
            if is_trusted_class(type(value)):
                view[name] = value
        elif is_trusted_class(cls):
            view[name] = value
        elif is_trusted_class(type(cls)):
            view[name] = cls
    return view


def _module_name(module: types.ModuleType) -> str:
    name = vars(module).get("__name__")  # found by ModuleType's own descriptor: a module __getattr__ is not asked
    return name if isinstance(name, str) else ""
