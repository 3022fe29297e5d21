"""Per-kernel cgroups on v1 and v2 hierarchies: equal CPU weights, a quota only below the host's
cores, CPU time read back, and a missing CPU controller degrading with a log line (fast: a
cgroup tree in a temporary folder; the real kernels' limits are attacked in
test_host_trusts_no_kernel.py)."""

from __future__ import annotations

import logging
import os

import pytest

from kernels import cgroups

MIB = 1024**2


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch):
    monkeypatch.setattr(cgroups, "_own_cgroups", lambda: {})


def v2_tree(root):
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / "cgroup.subtree_control").write_text("")
    return root


def v1_tree(root, controllers=cgroups.V1_CONTROLLERS):
    for controller in controllers:
        (root / controller).mkdir()
    return root


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(cgroups.os, "cpu_count", lambda: 2)


def test_a_v2_kernel_gets_memory_processes_and_a_cpu_quota(tmp_path, two_cores):
    groups = cgroups.Cgroups(v2_tree(tmp_path))
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=1.5)
    folder = tmp_path / cgroups.GROUP / "k1"
    assert (folder / "memory.max").read_text() == str(256 * MIB)
    assert (folder / "pids.max").read_text() == "512"
    assert (folder / "cpu.max").read_text() == "150000 100000"
    assert (folder / "cpu.weight").read_text() == "200"  # a thread per core: as a plain process weighs
    (folder / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    assert group.cpu_seconds() == 2.5


def test_a_v1_kernel_gets_a_cfs_quota_and_its_cpu_time_comes_from_cpuacct(tmp_path, two_cores):
    groups = cgroups.Cgroups(v1_tree(tmp_path))
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=0.5)
    assert (tmp_path / "cpu" / cgroups.GROUP / "k1" / "cpu.cfs_quota_us").read_text() == "50000"
    assert (tmp_path / "cpu" / cgroups.GROUP / "k1" / "cpu.cfs_period_us").read_text() == "100000"
    (tmp_path / "cpuacct" / cgroups.GROUP / "k1" / "cpuacct.usage").write_text("1500000000\n")
    assert group.cpu_seconds() == 1.5


def test_kernels_given_the_hosts_cores_are_not_capped_and_weigh_alike_as_does_their_group(tmp_path, two_cores):
    groups = cgroups.Cgroups(v1_tree(tmp_path))
    groups.create("k1", 256 * MIB, 512, cpu_cores=2.0)
    groups.create("k2", 256 * MIB, 512, cpu_cores=2.0)
    cpu = tmp_path / "cpu" / cgroups.GROUP
    assert [(cpu / k / "cpu.cfs_quota_us").read_text() for k in ("k1", "k2")] == ["-1", "-1"]
    assert {(cpu / k / "cpu.shares").read_text() for k in ("k1", "k2")} == {"2048"}
    assert (cpu / "cpu.shares").read_text() == "2048"  # all kernels together weigh as much as one


def test_a_v2_kernel_without_a_cap_gets_max_and_an_operator_can_cap_a_live_kernel(tmp_path, two_cores):
    group = cgroups.Cgroups(v2_tree(tmp_path)).create("k1", 256 * MIB, 512, cpu_cores=4.0)
    folder = tmp_path / cgroups.GROUP / "k1"
    assert (folder / "cpu.max").read_text() == "max 100000"
    group.cap_cpu(0.25)
    assert (folder / "cpu.max").read_text() == "25000 100000"


def test_without_a_cpu_controller_memory_and_processes_still_apply_and_the_log_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        groups = cgroups.Cgroups(v1_tree(tmp_path, ("memory", "pids")))
    assert groups.available and "CPU is neither weighted nor capped" in caplog.text
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=1.0)
    assert group.cpu_seconds() is None  # the host then reads the kernel's own /proc stat


def test_killing_leftovers_spares_the_kernel(tmp_path, monkeypatch):
    groups = cgroups.Cgroups(v2_tree(tmp_path))
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=1.0)
    (tmp_path / cgroups.GROUP / "k1" / "cgroup.procs").write_text("100\n200\n300\n")
    killed = []
    monkeypatch.setattr(cgroups.os, "kill", lambda pid, signum: killed.append(pid))
    assert group.kill_all(sparing=100) == 2
    assert killed == [200, 300]


def test_a_kernel_made_ahead_weighs_a_tenth_until_it_is_in_use(tmp_path, two_cores):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = cgroups.Cgroups(v1_tree(tmp_path / "v1"))
    group = v1.create("k1", 256 * MIB, 512, cpu_cores=1.0, background=True)
    shares = tmp_path / "v1" / "cpu" / cgroups.GROUP / "k1" / "cpu.shares"
    assert shares.read_text() == "204"
    group.set_background(False)
    assert shares.read_text() == "2048"
    v2 = cgroups.Cgroups(v2_tree(tmp_path / "v2"))
    v2.create("k1", 256 * MIB, 512, cpu_cores=1.0, background=True)
    assert (tmp_path / "v2" / cgroups.GROUP / "k1" / "cpu.weight").read_text() == "20"


def test_cgroups_left_by_servers_that_are_gone_are_removed_and_live_ones_kept(tmp_path):
    base = v1_tree(tmp_path) / "pids" / cgroups.GROUP
    base.mkdir()
    gone, running, mine = (f"kernel-{pid}-1" for pid in (4194305, 1, os.getpid()))  # beyond pid_max; init; this
    for name in (gone, running, mine, "kernel-4194305-2", "not-a-kernel"):
        (base / name).mkdir()
    (base / "kernel-4194305-3").mkdir()
    (base / "kernel-4194305-3" / "cgroup.procs").write_text("12345\n")  # a folder rmdir refuses: kept
    cgroups.Cgroups(tmp_path)
    assert sorted(p.name for p in base.iterdir()) == sorted([running, mine, "not-a-kernel", "kernel-4194305-3"])
