"""The class endpoints' rules at the web edge (playground/edge.py), read from ClassLimits."""

from __future__ import annotations

from collections.abc import Callable

from playground import edge

from .limits import ClassLimits

FORM = ("application/x-www-form-urlencoded", "multipart/form-data")


def register(class_limits: Callable[[], ClassLimits]) -> None:
    def opens() -> tuple[int, int]:
        return class_limits().opens_per_hour, 3600

    def joins() -> tuple[int, int]:
        return class_limits().joins_per_minute, 60

    def form_bytes() -> int:
        return 2 * class_limits().max_starting_code_bytes + 4096  # form encoding doubles some bytes

    edge.register("class-open", edge.Rule(opens, "class-open", FORM, form_bytes, plain=True, what="classes opened"))
    for name in ("class-join-page", "class-join", "class-teacher-runs"):  # a class's pages count together
        edge.register(name, edge.Rule(joins, "class-join", FORM, lambda: 4096, plain=True, what="joins"))
