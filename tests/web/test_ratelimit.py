"""The sliding-window rate limit: hits just before a window's turn still count just after it,
and the wait it names is when one more hit passes, not before."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from playground import ratelimit


@pytest.fixture
def clock(monkeypatch):
    cache.clear()
    now = [0.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    yield now
    cache.clear()


def hits(clock, key: str, at: float, count: int = 1, limit: int = 3) -> list[int | None]:
    clock[0] = at
    return [ratelimit.hit(key, limit, 100) for _ in range(count)]  # windows of 100 s


def test_a_window_turning_between_two_hits_does_not_reset_the_count(clock):
    assert hits(clock, "k", 1099.9, count=3) == [None] * 3  # the turn is at 1100
    assert hits(clock, "k", 1100.1) != [None]


def test_a_client_over_its_limit_is_told_when_the_next_hit_passes_in_the_next_window(clock):
    for key in ("early", "on-time"):
        assert hits(clock, key, 1010.0, count=4)[-1] == 140  # four counted: 4 x (1 - f) + 1 <= 3 at f = 0.5
    assert hits(clock, "early", 1149.0) != [None]
    assert hits(clock, "on-time", 1150.0) == [None]


def test_a_client_refused_for_the_last_windows_hits_is_told_when_they_weigh_little_enough(clock):
    for key in ("early", "on-time"):
        hits(clock, key, 1090.0, count=3)
        assert hits(clock, key, 1130.0) == [37]  # 3 x (1 - f) + 2 <= 3 at f = 2/3
    assert hits(clock, "early", 1166.0) != [None]
    assert hits(clock, "on-time", 1167.0) == [None]


def test_a_refund_takes_back_one_hit(clock):
    hits(clock, "k", 1010.0, count=3)
    ratelimit.refund("k", 100)
    assert hits(clock, "k", 1011.0) == [None]
