"""How often kernels may start, per session and per address (fast: no kernel, a set clock)."""

from __future__ import annotations

from kernels.starts import Buckets, StartBudget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_may_start_its_burst_then_one_more_every_ten_seconds():
    clock = Clock()
    budget = StartBudget(per_session=6, per_client=60, clock=clock)
    assert [budget.refusal("owner", "school") for _ in range(6)] == [None] * 6
    refusal = budget.refusal("owner", "school")
    assert refusal is not None and "6 kernels within a minute" in refusal and "try again in 10 s" in refusal
    clock.now += 10
    assert budget.refusal("owner", "school") is None


def test_a_class_of_sixty_behind_one_address_starts_at_once_and_the_sixty_first_waits():
    clock = Clock()
    budget = StartBudget(per_session=6, per_client=60, clock=clock)
    assert all(budget.refusal(f"student-{n}", "school") is None for n in range(60))
    refusal = budget.refusal("student-60", "school")
    assert refusal is not None and "this address" in refusal and "PLAYGROUND_CLIENT_KERNEL_STARTS_PER_MINUTE" in refusal
    assert budget.refusal("student-60", "another-school") is None  # other addresses are not counted against it
    assert budget.refusal("student-60", "") is None  # no address known (a test's session): its own count only


def test_a_start_refused_for_the_address_is_not_counted_against_the_session():
    clock = Clock()
    budget = StartBudget(per_session=2, per_client=1, clock=clock)
    assert budget.refusal("a", "school") is None
    assert budget.refusal("b", "school") is not None
    assert budget.refusal("b", "school") is not None  # still the address, not b's own two
    clock.now += 60
    assert budget.refusal("b", "school") is None


def test_the_buckets_forget_full_ones_first_when_they_grow(monkeypatch):
    from kernels import starts

    monkeypatch.setattr(starts, "MAX_TRACKED", 10)
    clock = Clock()
    buckets = Buckets(3, clock)
    for n in range(11):
        buckets.take(f"k{n}")
    clock.now += 60  # all refilled
    buckets.take("new")
    assert len(buckets._tokens) <= 10
