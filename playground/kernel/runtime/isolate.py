"""Give a freshly forked kernel its own namespaces, scratch, identity and syscall filter.

The fork server runs inside bubblewrap (see sandbox.py): read-only system, no network, its own
PID namespace, no view of the server. Kernels forked from it share that, so each one then
isolates itself from the others before any user code runs:

    fork-server child   unshare(mount, PID, network, IPC, UTS namespaces); waits, mirrors exit
      └ init (PID 1)    private /proc, scratch and /tmp as size-capped tmpfs; reaps orphans
          └ kernel      drops to the unprivileged kernel uid (no capabilities left), loads the
                        seccomp filter, then runs user code

Only the kernel runs user code. When it exits, init exits and the PID namespace takes every
process the user started down with it: nothing outlives its kernel.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWCGROUP = 0x02000000
NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
SCRATCH = "/scratch"

# What user code never needs and an escape would: namespaces, mounts, tracing other
# processes, kernel keyrings, eBPF, module loading, and the like. Everything else is allowed:
# TensorFlow, NumPy and Python use a wide and changing set of ordinary syscalls.
DENIED_SYSCALLS = (
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "name_to_handle_at",
    "open_by_handle_at",
    "lookup_dcookie",
    "iopl",
    "ioperm",
    "vhangup",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "personality",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "sethostname",
    "setdomainname",
)

_libc = ctypes.CDLL(None, use_errno=True)


def isolate(config: dict) -> None:
    """Called in the fork server's child; returns only in the kernel process, isolated."""
    _die_with_parent()
    if not config.get("sandbox"):
        return
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    init = os.fork()
    if init:
        _mirror_exit(init)
    _die_with_parent()
    _mount_private_filesystems(config)
    kernel = os.fork()
    if kernel:
        _be_init(kernel)
    _die_with_parent()
    _drop_privileges(config)
    _load_syscall_filter()


def _mount_private_filesystems(config: dict) -> None:
    uid, size = int(config["uid"]), int(config["scratch_bytes"])
    options = f"size={size},mode=0700,uid={uid},gid={uid}".encode()
    # noexec: a library the user writes cannot be loaded from there (dlopen needs PROT_EXEC)
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    for target in (SCRATCH, "/tmp", "/dev/shm"):
        if os.path.isdir(target):
            _check(_libc.mount(b"tmpfs", target.encode(), b"tmpfs", flags, options), f"mount {target}")
    # A /proc of this PID namespace only: the kernel sees its own processes and nobody else's.
    _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")


def _drop_privileges(config: dict) -> None:
    uid = int(config["uid"])
    if os.getuid() == 0 and uid != 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from root to another uid: every capability is gone
    if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS (bubblewrap sets it too)
        raise OSError(ctypes.get_errno(), "no_new_privs")


def _load_syscall_filter() -> None:
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, OSError, ValueError):
            continue  # not a syscall on this architecture
    # clone() may make threads and processes, never new namespaces; clone3() passes its flags
    # in memory where a filter cannot read them, so it reports "not implemented" and the C
    # library falls back to clone().
    for flag in (CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP):
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()


def _be_init(kernel: int) -> None:
    """PID 1 of the kernel's namespace: reap orphans; when the kernel ends, end with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)  # PID 1 cannot kill itself: encode signals


def _mirror_exit(init: int) -> None:
    """In the fork server's namespace: exit the way the kernel did, so the host learns why."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(init, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    if code > 128:
        if code - 128 not in (signal.SIGKILL, signal.SIGSTOP):  # those cannot be caught anyway
            signal.signal(code - 128, signal.SIG_DFL)
        os.kill(os.getpid(), code - 128)
    os._exit(code if code >= 0 else 1)


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
