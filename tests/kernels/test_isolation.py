"""Kernels apart from each other, not only from the host: each attack runs in a real sandboxed
kernel against another session's kernel, while a neighbouring session keeps its state."""

from __future__ import annotations

import asyncio

import pytest

from kernels import uids
from kernels.apps import kernel_limits, sandbox_settings
from tests.support import outcome

LIBC = "import ctypes, errno\nlibc = ctypes.CDLL(None, use_errno=True)\n"
LAST_ERRNO = "errno.errorcode.get(ctypes.get_errno())"


@pytest.fixture
async def other(client_factory):
    """A second visitor's kernel, the one the attacker tries to reach."""
    return await client_factory()


@pytest.mark.slow
async def test_a_terminal_opened_in_one_session_cannot_be_opened_from_another(attacker, other):
    code = "import os\nm, s = os.openpty()\nos.write(m, b'SECRET\\n')\nos.ttyname(s)"
    terminal = (await outcome(attacker, code)).strip("'")
    assert terminal.startswith("/dev/pts/")
    assert await outcome(other, "import os\nsorted(os.listdir('/dev/pts'))") == "['ptmx']"
    assert (await outcome(other, f"open({terminal!r}, 'rb')")).startswith("FileNotFoundError")
    # the other session's own terminals work, and are its own
    own = "import os\nm, s = os.openpty()\nos.write(m, b'mine\\n')\nos.read(s, 100)"
    assert await outcome(other, own) == "b'mine\\n'"


@pytest.mark.slow
async def test_two_kernels_run_as_two_different_uids_from_the_configured_range(attacker, other):
    first = int(await outcome(attacker, "import os\nos.getuid()"))
    second = int(await outcome(other, "import os\nos.getuid()"))
    assert first != second
    assert first in sandbox_settings().uid_range and second in sandbox_settings().uid_range


@pytest.mark.slow
async def test_exhausting_inotify_instances_in_one_kernel_leaves_them_to_another(attacker, other):
    hoard = LIBC + "held = []\nwhile (fd := libc.inotify_init1(0)) >= 0:\n    held.append(fd)\n"
    count, error = eval(await outcome(attacker, hoard + f"len(held), {LAST_ERRNO}"))
    assert error == "EMFILE" and count > 0  # the per-user limit, reached
    assert int(await outcome(other, LIBC + "libc.inotify_init1(0)")) >= 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "call",
    [
        "libc.syscall(425, 8, ctypes.create_string_buffer(120))",  # io_uring_setup
        "libc.syscall(323, 0)",  # userfaultfd
        "libc.syscall(298, ctypes.create_string_buffer(128), 0, -1, -1, 0)",  # perf_event_open
        "libc.syscall(319, b'code', 0)",  # memfd_create: code in memory, loaded or run from there
        "libc.syscall(322, -100, b'/usr/bin/true', None, None, 0)",  # execveat
        "libc.syscall(30, libc.shmget(0, 4096, 0o1600), None, 0o100000)",  # shmat with SHM_EXEC
        "libc.syscall(246, 0, 0, 0)",  # kexec_load: and anything else not on the allowlist
    ],
    ids=["io_uring_setup", "userfaultfd", "perf_event_open", "memfd_create", "execveat", "shm_exec", "unlisted"],
)
async def test_syscalls_off_the_allowlist_are_refused(attacker, call):
    assert await outcome(attacker, f"{LIBC}r = {call}\nr, {LAST_ERRNO}") == "(-1, 'EPERM')"


@pytest.mark.slow
@pytest.mark.parametrize(
    "family",
    ["socket.AF_INET", "socket.AF_INET6", "socket.AF_NETLINK", "socket.AF_PACKET", "40"],
    ids=["inet", "inet6", "netlink", "packet", "vsock"],
)
async def test_only_local_unix_sockets_can_be_made(attacker, family):
    made = await outcome(attacker, f"import socket\nsocket.socket({family}, socket.SOCK_DGRAM)")
    assert made.startswith("PermissionError"), made
    assert await outcome(attacker, "a, b = socket.socketpair()\na.send(b'x')\nb.recv(1)") == "b'x'"


@pytest.mark.slow
async def test_a_memory_file_cannot_be_made_to_load_or_run_code(attacker):
    assert (await outcome(attacker, "import os\nos.memfd_create('lib')")).startswith("PermissionError")


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["/scratch", "/tmp", "/dev/shm"])
async def test_a_program_written_by_the_kernel_cannot_be_run(attacker, folder):
    code = f"import shutil, subprocess\nshutil.copy('/usr/bin/true', '{folder}/evil')\n"
    code += f"import os\nos.chmod('{folder}/evil', 0o755)\nsubprocess.run(['{folder}/evil'])"
    assert (await outcome(attacker, code)).startswith("PermissionError")


@pytest.mark.slow
async def test_proc_meminfo_shows_the_kernels_own_memory_limit(attacker):
    fields = "dict(l.split(':') for l in open('/proc/meminfo'))"
    total, available = eval(await outcome(attacker, f"m = {fields}\nm['MemTotal'].strip(), m['MemAvailable'].strip()"))
    limit_kb = kernel_limits().memory_bytes // 1024
    assert total == f"{limit_kb} kB" and available == f"{limit_kb} kB"
    assert await outcome(attacker, "open('/proc/loadavg').read().split()[:3]") == "['0.00', '0.00', '0.00']"


@pytest.mark.slow
async def test_the_kernels_dev_holds_only_what_a_kernel_needs_and_is_read_only(attacker):
    listing = eval(await outcome(attacker, "import os\nsorted(os.listdir('/dev'))"))
    assert set(listing) <= {"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout"} | {
        "tty",
        "urandom",
        "zero",
    }
    assert not [name for name in listing if name.startswith("nvidia")]  # no GPU here, so none given
    assert (await outcome(attacker, "open('/dev/evil', 'w')")).startswith("OSError: [Errno 30]")  # EROFS
    assert await outcome(attacker, "open('/dev/null', 'w').write('fine')") == "4"
    # the fork server's /dev, which holds every GPU's nodes, is not even mounted in the kernel
    mounts = "[l.split()[4] for l in open('/proc/self/mountinfo')]"
    assert eval(await outcome(attacker, f"{mounts}.count('/dev')")) == 1


@pytest.mark.slow
async def test_a_kernels_uid_is_free_again_only_once_its_processes_are_gone(kernel_host, client_factory):
    pool = uids.pool_for(sandbox_settings().uid_range)
    client = await client_factory()
    uid = int(await outcome(client, "import os\nos.getuid()"))
    assert uid not in pool._free
    await client.restart_and_wait()  # the old kernel ends, then its exit is reported
    for _ in range(100):
        if uid in pool._free:
            break
        await asyncio.sleep(0.05)
    assert uid in pool._free
    assert int(await outcome(client, "import os\nos.getuid()")) != uid


def test_uids_are_given_back_on_exit_only_and_reused_oldest_first():
    pool = uids.UidPool(range(100, 103), lock_dir=None)
    first, second = pool.take("a"), pool.take("b")
    pool.bind("a", pid=7)
    pool.bind("b", pid=8)
    pool.exited(99)  # some other process
    assert pool.free == 1
    pool.exited(7)
    assert pool.take("c") == 102 and pool.take("d") == first  # 102 was free longer
    with pytest.raises(uids.NoFreeUid, match="PLAYGROUND_KERNEL_UIDS"):
        pool.take("e")
    assert second == 101


def test_a_pid_reused_by_a_new_fork_server_frees_the_dead_ones_uid():
    pool = uids.UidPool(range(100, 102), lock_dir=None)
    pool.take("old")
    pool.bind("old", pid=5)  # its fork server died: no exit report will ever come
    pool.take("new")
    pool.bind("new", pid=5)
    assert pool.free == 1


def test_kernel_hosts_on_one_machine_never_hand_out_the_same_uid(tmp_path):
    first, second = uids.UidPool(range(100, 103), tmp_path), uids.UidPool(range(100, 103), tmp_path)
    taken = [first.take("a"), second.take("b"), first.take("c")]
    assert sorted(taken) == [100, 101, 102]
    with pytest.raises(uids.NoFreeUid):
        second.take("d")
    first.give_back("a")
    assert second.take("d") == taken[0]


@pytest.mark.parametrize("spec", ["", "abc", "0-10", "10-5", "-5", "100-4294967295"])
def test_a_malformed_uid_range_names_the_setting(spec):
    with pytest.raises(ValueError, match="PLAYGROUND_KERNEL_UIDS"):
        uids.parse_range(spec)


def test_the_default_uid_range_is_a_thousand_unused_uids():
    assert uids.parse_range(uids.DEFAULT_RANGE) == range(200000, 201000)


@pytest.mark.slow
async def test_when_the_fork_server_dies_its_kernels_uids_come_back_and_the_next_run_gets_a_new_one(
    kernel_host, client_factory
):
    victim = await client_factory()
    name = kernel_host.sessions[victim.owner].process.name
    held = uids.pool_for(kernel_host.pool._sandbox.uid_range)._held
    assert name in held
    kernel_host.pool.forkserver._process.kill()  # every kernel it forked dies with it
    dead = await victim.wait_status(lambda s: s["state"] == "dead", timeout=30)
    assert dead["reason"]
    assert name not in held
    assert (await victim.run("1 + 1")).results[1]["repr"] == "2"  # a new fork server, a new kernel
