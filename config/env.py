"""Plain values from environment variables: the one parser settings and limits share.

Every reader fails loudly on a malformed value, naming the variable: a typo in a deployment
should stop the server at start, not surface as odd behaviour later. Standard library only.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
Settings = TypeVar("Settings")


def env_str(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(name, default)


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name, "")
    if raw == "":
        return default
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    return _number(name, default, int, "a whole number", environ)


def env_float(name: str, default: float, environ: Mapping[str, str] = os.environ) -> float:
    return _number(name, default, float, "a number", environ)


def env_list(name: str, default: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    return [item.strip() for item in env_str(name, default, environ).split(",") if item.strip()]


def env_networks(name: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Comma-separated IP addresses and networks (CIDR). A typo stops the server rather than
    trusting something nobody meant to trust."""
    networks = []
    for item in env_list(name, "", environ):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
    return networks


def _number(name: str, default: Any, kind: type, what: str, environ: Mapping[str, str]) -> Any:
    raw = environ.get(name, "")
    if raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not {what}") from None


def dataclass_from_env(
    cls: type[Settings], name_of: Callable[[str], str], environ: Mapping[str, str] = os.environ
) -> Settings:
    """`cls` with each numeric field overridden by its variable (`name_of(field)`) where set."""
    overrides = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = name_of(field.name)
        if environ.get(name, "") != "":
            read = env_int if field.type in ("int", int) else env_float
            overrides[field.name] = read(name, 0, environ)
    return cls(**overrides)
