"""Kernels held for a class (kernels/reservations.py), fast: the counting alone."""

from __future__ import annotations

import time

from kernels.reservations import Reservations


def test_a_class_holds_kernels_that_others_must_leave_and_its_students_take():
    held = Reservations()
    held.hold("class:A", 3, 60, most=100)
    assert held.held() == 3 and held.held_for_others(None) == 3 and held.held_for_others("class:A") == 0
    held.taken("class:A")
    held.taken(None)  # a stranger's kernel takes nothing held
    assert held.held("class:A") == 2


def test_classes_together_hold_at_most_their_share_and_a_release_gives_back():
    held = Reservations()
    held.hold("class:A", 60, 60, most=75)
    held.hold("class:B", 60, 60, most=75)
    assert held.held("class:A") == 60 and held.held("class:B") == 15
    held.hold("class:A", 0, 0, most=75)
    assert held.held() == 15
    held.hold("class:B", 40, 60, most=75)  # asked again: replaced, not added
    assert held.held() == 40


def test_a_reservation_lapses_after_its_time():
    held = Reservations()
    held.hold("class:A", 5, 0.05, most=100)
    assert 0 < held.next_expiry_s() <= 0.05
    time.sleep(0.06)
    assert held.held() == 0 and held.next_expiry_s() is None


class ReadyKernel:
    """Stands in for a ready KernelProcess: the pool reads only whether it is alive."""

    exitcode = None
    name = "kernel-ready"
    cgroup = None


def test_the_pool_hands_held_kernels_to_their_class_alone(tmp_path):
    from kernels.apps import sandbox_settings
    from kernels.limits import Limits
    from kernels.pool import KernelPool

    pool = KernelPool(tmp_path, Limits(), sandbox_settings())
    pool._ready = [ReadyKernel(), ReadyKernel(), ReadyKernel()]
    pool.reservations.hold("class:A", 2, 60, most=75)
    assert pool._take_ready(None) is not None  # one more is ready than is held
    assert pool._take_ready(None) is None and pool._take_ready("class:B") is None
    assert not pool.has_room(None) or pool._occupied() + 0 < pool.capacity
    assert pool._take_ready("class:A") is not None and pool._take_ready("class:A") is not None
