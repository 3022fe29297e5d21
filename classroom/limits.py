"""A class's limits (PLAYGROUND_CLASS_*), read when Django starts; docs/api.md lists them."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from config.env import dataclass_from_env


@dataclasses.dataclass(frozen=True)
class ClassLimits:
    hours: float = 12.0
    """A class closes this long after it was opened, unless its teacher closes it first."""
    max_seats: int = 100
    """Seats one class may ask for."""
    opens_per_hour: int = 10
    """Classes one client address may open per hour."""
    joins_per_minute: int = 240
    """A class's pages and joins per client address and minute: a class of 60 behind one NAT
    address opens the link, joins and reloads at once, with room to spare."""
    pushes_per_minute: int = 12
    """Code a teacher may push to a class per minute."""
    max_starting_code_bytes: int = 64 * 1024
    """The lesson's starting code, checks included."""
    warm_minutes: float = 30.0
    """A kernel per seat is kept ready this long after a class opens (or until it closes), for its
    students only, within the host's capacity."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"Class limit {field.name} must be positive, got {getattr(self, field.name)!r}")


def env_name(field_name: str) -> str:
    return f"PLAYGROUND_CLASS_{field_name.upper()}"


def class_limits_from_env(environ: Mapping[str, str] = os.environ) -> ClassLimits:
    return dataclass_from_env(ClassLimits, env_name, environ)
