"""Per-kernel cgroups on v1 and v2 hierarchies: the CPU quota written, CPU time read back, and a
missing CPU controller degrading with a log line (fast: a cgroup tree in a temporary folder;
the real kernels' limits are attacked in test_host_trusts_no_kernel.py)."""

from __future__ import annotations

import logging

import pytest

from playground.kernel import cgroups

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


def test_a_v2_kernel_gets_memory_processes_and_a_cpu_quota(tmp_path):
    groups = cgroups.Cgroups(v2_tree(tmp_path))
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=1.5)
    folder = tmp_path / cgroups.GROUP / "k1"
    assert (folder / "memory.max").read_text() == str(256 * MIB)
    assert (folder / "pids.max").read_text() == "512"
    assert (folder / "cpu.max").read_text() == "150000 100000"
    (folder / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    assert group.cpu_seconds() == 2.5


def test_a_v1_kernel_gets_a_cfs_quota_and_its_cpu_time_comes_from_cpuacct(tmp_path):
    groups = cgroups.Cgroups(v1_tree(tmp_path))
    group = groups.create("k1", 256 * MIB, 512, cpu_cores=0.5)
    assert (tmp_path / "cpu" / cgroups.GROUP / "k1" / "cpu.cfs_quota_us").read_text() == "50000"
    assert (tmp_path / "cpu" / cgroups.GROUP / "k1" / "cpu.cfs_period_us").read_text() == "100000"
    (tmp_path / "cpuacct" / cgroups.GROUP / "k1" / "cpuacct.usage").write_text("1500000000\n")
    assert group.cpu_seconds() == 1.5


def test_without_a_cpu_controller_memory_and_processes_still_apply_and_the_log_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        groups = cgroups.Cgroups(v1_tree(tmp_path, ("memory", "pids")))
    assert groups.available and "CPU is not capped" in caplog.text
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
