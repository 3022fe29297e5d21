"""Hostile code, contained: each attack runs in a real sandboxed kernel while a neighbouring
session keeps its state and the server keeps serving."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from django.conf import settings

from kernels.apps import kernel_limits, sandbox_settings
from tests.support import ROOT, outcome

pytestmark = pytest.mark.slow

KEEP = "# playground: keep processes\n"  # else what a run starts ends with the run


def test_the_tests_run_with_the_sandbox_on():
    assert sandbox_settings().enabled


@pytest.mark.parametrize(
    "path",
    [
        str(ROOT / "config" / "settings.py"),
        str(ROOT / "manage.py"),
        str(settings.DATA_DIR / "secret_key"),
        str(Path(settings.DATABASES["default"]["NAME"])),
        "/etc/shadow",
        "/root/.bash_history",
    ],
)
async def test_server_files_are_invisible_to_python_and_to_tf_io(attacker, path):
    assert await outcome(attacker, f"import os\nos.path.exists({path!r})") == "False"
    assert await outcome(attacker, f"tf.io.gfile.exists({path!r})") == "False"


async def test_the_only_process_a_kernel_sees_is_its_own(attacker):
    pids = await outcome(attacker, "import os\nsorted(int(p) for p in os.listdir('/proc') if p.isdigit())")
    assert pids == "[1, 2]"  # its init and itself


async def test_the_server_environment_cannot_be_read_through_proc(attacker):
    result = await outcome(attacker, "open('/proc/1/environ', 'rb').read()")
    assert "SECRET" not in result and "DJANGO" not in result


async def test_another_kernels_scratch_folder_is_invisible(attacker):
    assert await outcome(attacker, "import os\nos.listdir('/scratch')") == "[]"


@pytest.mark.parametrize("path", ["/usr/evil", "/opt/playground/kernel_runtime/evil.py", "/etc/evil", "/evil"])
async def test_nothing_outside_scratch_is_writable(attacker, path):
    result = await outcome(attacker, f"open({path!r}, 'w')")
    assert result.startswith(("OSError", "PermissionError", "FileNotFoundError")), result


async def test_scratch_is_writable_and_capped(attacker):
    code = (
        "data = b'x' * 2**20\ntry:\n    with open('big', 'wb') as f:\n        while True:\n            f.write(data)\n"
    )
    code += "except OSError as e:\n    error = e.errno\nerror, os.path.getsize('big') // 2**20"
    result = await outcome(attacker, "import os\n" + code)
    limit_mib = kernel_limits().scratch_bytes // 2**20
    errno_, size = eval(result)
    assert errno_ == 28 and size <= limit_mib  # ENOSPC at the limit
    run = await attacker.run("open('more', 'wb').write(b'x' * 2**20)")
    assert f"hold {limit_mib} MiB each: PLAYGROUND_SCRATCH_BYTES" in run.error["evalue"]


async def test_there_is_no_network_not_even_to_the_site_itself(attacker):
    refused = ("OSError", "PermissionError")  # no route, or no such socket allowed at all
    code = "import socket\nsocket.create_connection(('127.0.0.1', 8000), timeout=2)"
    assert (await outcome(attacker, code)).startswith(refused)
    code = "import socket\nsocket.getaddrinfo('pypi.org', 443)"
    assert (await outcome(attacker, code)).startswith("gaierror")
    code = "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)"
    assert (await outcome(attacker, code)).startswith(refused)


@pytest.mark.parametrize(
    ("call", "errno_name"),
    [
        ("libc.mount(b'none', b'/scratch', b'tmpfs', 0, None)", "EPERM"),
        ("libc.unshare(0x10000000)", "EPERM"),  # a new user namespace
        ("libc.unshare(0x20000)", "EPERM"),  # a new mount namespace
        ("libc.ptrace(16, 1, 0, 0)", "EPERM"),  # PTRACE_ATTACH to its init
        ("libc.syscall(321, 0, 0, 0)", "EPERM"),  # bpf
        ("libc.syscall(250, 0, 0, 0)", "EPERM"),  # keyctl
    ],
)
async def test_dangerous_syscalls_are_refused_even_through_ctypes(attacker, call, errno_name):
    code = f"import ctypes, errno\nlibc = ctypes.CDLL(None, use_errno=True)\nr = {call}\n"
    code += "r, errno.errorcode.get(ctypes.get_errno())"
    assert await outcome(attacker, code) == f"(-1, '{errno_name}')"


async def test_the_kernel_runs_without_privileges(attacker):
    status = await outcome(attacker, "[l for l in open('/proc/self/status') if l.startswith(('Uid', 'CapEff'))]")
    assert "0000000000000000" in status and "\\t0\\t" not in status
    assert int(await outcome(attacker, "import os\nos.getuid()")) in sandbox_settings().uid_range


@pytest.mark.parametrize("folder", ["/scratch", "/tmp", "/dev/shm"])
async def test_a_library_written_to_scratch_cannot_be_loaded(attacker, folder):
    code = (
        "import ctypes, ctypes.util, shutil\n"
        f"shutil.copy('/usr/lib/x86_64-linux-gnu/libm.so.6', '{folder}/libevil.so')\n"
        f"ctypes.CDLL('{folder}/libevil.so')"
    )
    assert (await outcome(attacker, code)).startswith("OSError")


async def test_a_library_written_to_a_memory_file_cannot_be_loaded(attacker):
    code = (
        "import ctypes, os\nfd = os.memfd_create('libevil.so')\n"
        "os.write(fd, open('/usr/lib/x86_64-linux-gnu/libm.so.6', 'rb').read())\n"
        "ctypes.CDLL(f'/proc/self/fd/{fd}')"
    )
    assert (await outcome(attacker, code)).startswith("PermissionError")  # no memory file to begin with


async def test_killing_every_process_it_can_reach_ends_only_its_own(attacker):
    code = "import os, signal, subprocess\nchild = subprocess.Popen(['sleep', '100'])\nos.kill(-1, signal.SIGKILL)\n"
    code += "child.wait()"
    assert await outcome(attacker, code) == "-9"  # its own child; the neighbour fixture checks the rest
    assert (await outcome(attacker, "os.kill(1, signal.SIGKILL)")).startswith("PermissionError")  # root's init


async def test_a_fork_storm_is_ended_with_a_plain_message_naming_the_process_limit(attacker):
    # Each child becomes `sleep` at once and the parent forks on through EAGAIN: it used to burn a
    # core for over a minute until memory ran out (84 s), the thread limit being no process limit.
    code = (
        "import os\nwhile True:\n    try:\n        if os.fork() == 0:\n"
        "            os.execv('/bin/sleep', ['sleep', '30'])\n    except OSError:\n        pass"
    )
    run = await attacker.run(code, timeout=60)
    assert run.error is not None and run.error["ename"] == "KernelDied"
    assert "processes at once" in run.error["evalue"] and "PLAYGROUND_MAX_PROCESSES" in run.error["evalue"]


async def test_a_thread_bomb_hits_the_thread_limit(attacker):
    code = (
        "import threading, time\nthreads = []\ntry:\n    while True:\n"
        "        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n        t.start()\n"
        "        threads.append(t)\nexcept RuntimeError as e:\n    message = str(e)\nmessage, len(threads)"
    )
    message, count = eval(await outcome(attacker, code))
    assert "can't start new thread" in message and count < kernel_limits().max_threads


@pytest.mark.parametrize(
    "bomb",
    [
        "hoard = bytearray(3 * 2**30)\nhoard[::4096] = b'x' * len(range(0, 3 * 2**30, 4096))",
        "hoard = np.ones(3 * 2**30, dtype=np.uint8)",
        "hoard = tf.ones([3 * 2**28], tf.float32) + 1",
    ],
    ids=["python", "numpy", "tensorflow"],
)
async def test_a_memory_bomb_ends_the_kernel_and_names_the_memory_limit(attacker, bomb):
    run = await attacker.run(bomb)
    assert run.error is not None
    if run.error["ename"] == "KernelDied":
        assert "out of memory" in run.error["evalue"] and "PLAYGROUND_MEMORY_BYTES" in run.error["evalue"]
    else:  # refused outright by the allocator
        assert run.error["ename"] in ("MemoryError", "ResourceExhaustedError")
    assert await outcome(attacker, "1 + 1") == "2"


async def test_a_process_left_behind_does_not_outlive_its_kernel(attacker):
    marker = "31337.5"
    await attacker.run(f"{KEEP}import subprocess\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)")
    assert _host_processes_running("sleep", marker)
    await attacker.restart_and_wait()
    assert not _host_processes_running("sleep", marker), "a process outlived its kernel"


def _host_processes_running(*argv: str) -> bool:
    wanted = "\0".join(argv).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    return True
            except OSError:
                continue
    return False


async def test_the_host_never_follows_links_planted_in_scratch(tmp_path):
    """Without the sandbox the scratch folder is on the host: removing it leaves a link's target."""
    from kernels.process import KernelProcess

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    os.symlink(victim, scratch / "link")
    process = KernelProcess(pid=-1, sock=_closed_socket(), scratch=scratch, max_message_bytes=1)
    process.exited(0)
    await process.close()
    assert not scratch.exists() and (victim / "keep.txt").read_text() == "keep"


def _closed_socket():
    import socket

    left, right = socket.socketpair()
    right.close()
    return left


async def test_stopping_the_server_ends_every_kernel_and_what_it_started():
    from bench.site import connect, execute, running_site, session_cookie

    marker = "27182.8"
    with running_site(quiet=True) as base:
        async with await connect(base, session_cookie(base)) as websocket:
            code = f"{KEEP}import subprocess\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)\nNone"
            await execute(websocket, code, "leave-one-behind")
        assert _host_processes_running("sleep", marker)
    for _ in range(50):  # the kernels die with their parents, within moments
        if not _host_processes_running("sleep", marker):
            break
        await asyncio.sleep(0.1)
    assert not _host_processes_running("sleep", marker), "a process outlived the server"
