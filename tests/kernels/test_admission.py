"""Who gets a kernel on a full host: capacity from the memory budget, a fair share per address
that still fits a class of 60, and the longest-idle kernel evicted first (fast: no kernel)."""

from __future__ import annotations

import dataclasses

from kernels import admission
from kernels.limits import Limits

GIB = 1024**3


@dataclasses.dataclass(eq=False)
class FakeSession:
    owner: str
    client: str = "school"
    idle: float = 0.0
    attached: set = dataclasses.field(default_factory=lambda: {"page"})
    running: bool = False
    process: object | None = "kernel"

    @property
    def holds_kernel(self) -> bool:
        return self.process is not None

    def idle_seconds(self) -> float:
        return 0.0 if self.running else self.idle


def limits(**changes) -> Limits:
    base = Limits(memory_budget_bytes=22 * GIB, memory_request_bytes=256 * 1024**2, max_kernels=200)
    return dataclasses.replace(base, **changes)


def test_capacity_is_what_the_memory_budget_holds_within_the_kernel_cap():
    assert limits().capacity == 88
    assert limits(max_kernels=50).capacity == 50
    assert limits(memory_budget_bytes=GIB, memory_request_bytes=2 * GIB).capacity == 1


def test_a_class_of_sixty_behind_one_address_fits_on_this_machine_by_default():
    defaults = dataclasses.replace(Limits(), memory_budget_bytes=22 * GIB)
    assert defaults.client_cap >= 60


def test_one_address_never_holds_more_than_three_quarters_of_a_host():
    assert limits(max_kernels_per_client=1000).client_cap == 66


def test_a_student_whose_reload_lost_the_cookie_takes_the_slot_of_their_closed_page():
    class_of = [FakeSession(f"s{i}") for i in range(66)]
    class_of[7].attached = set()  # that page was closed
    class_of[7].idle = 30
    newcomer = FakeSession("new", process=None)
    assert admission.client_victim([*class_of, newcomer], newcomer, limits()) is class_of[7]


def test_an_address_at_its_share_with_every_page_open_is_refused_naming_the_limit():
    sessions = [FakeSession(f"s{i}") for i in range(66)]
    newcomer = FakeSession("new", process=None)
    refusal = admission.client_victim([*sessions, newcomer], newcomer, limits())
    assert isinstance(refusal, str) and "PLAYGROUND_MAX_KERNELS_PER_CLIENT" in refusal and "64" in refusal


def test_other_addresses_are_not_counted_against_one():
    sessions = [FakeSession(f"s{i}", client="elsewhere") for i in range(80)]
    newcomer = FakeSession("new", process=None)
    assert admission.client_victim([*sessions, newcomer], newcomer, limits()) is None


def test_eviction_takes_closed_pages_first_then_the_longest_idle_never_a_running_kernel():
    busy = FakeSession("busy", running=True, idle=10_000)
    open_long = FakeSession("open-long", idle=900)
    closed_short = FakeSession("closed-short", idle=5, attached=set())
    open_short = FakeSession("open-short", idle=60)
    newcomer = FakeSession("new", process=None)
    order = admission.evictable([busy, open_long, closed_short, open_short, newcomer], newcomer)
    assert [s.owner for s in order] == ["closed-short", "open-long", "open-short"]


def test_the_evicted_owner_is_told_why_in_plain_words():
    notice = admission.eviction_notice(FakeSession("x", idle=600))
    assert "10 minutes without a run" in notice and "server was full" in notice


def test_admission_counts_a_kernels_request_and_its_limit_is_several_times_higher():
    defaults = Limits(memory_budget_bytes=22 * GIB)
    assert defaults.capacity >= 80  # the lesson's classes fit on this machine
    assert defaults.memory_bytes >= 1 * GIB and defaults.memory_bytes >= 4 * defaults.memory_request_bytes


def test_memory_running_short_ends_idle_kernels_biggest_first_never_a_running_one():
    running = FakeSession("fitting", running=True)
    big, middle, small = FakeSession("big"), FakeSession("middle"), FakeSession("small")
    used = {running: 5 * GIB, big: 3 * GIB, middle: 2 * GIB, small: 1 * GIB}
    assert admission.memory_relief(used, 13 * GIB) == []  # 11 of 13: under 90 %
    assert admission.memory_relief(used, 12 * GIB) == [big]  # 11 of 12: over 90 %, to 8 (under 80 %)
    assert admission.memory_relief(used, 9 * GIB) == [big, middle]  # 8 is still over 7.2: to 6
    assert admission.memory_relief({running: 20 * GIB}, 10 * GIB) == []  # nothing idle to end
    assert "short of memory" in admission.memory_notice(3 * GIB) and "3072 MiB" in admission.memory_notice(3 * GIB)
