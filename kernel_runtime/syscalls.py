"""The kernel's seccomp filter: an allowlist. Whatever is not listed here is refused.

A denylist always misses something (io_uring, AF_VSOCK and code run from a memory file were all
open under the old one), so the list below is what Python, NumPy, TensorFlow, Keras,
matplotlib, the runtime and the programs user code may start (`sleep`, `sh`, fc-list) were seen
to call: the kernel, training and sandbox tests and the whole lesson, run under strace -f, plus
the close relatives glibc picks between (stat/statx, wait4/waitid, poll/ppoll, ...). Refused
calls fail with EPERM; a few that the C library replaces with an older call when told they do
not exist fail with ENOSYS instead.

Deliberately absent, among everything else: io_uring_*, userfaultfd, perf_event_open, bpf,
ptrace and process_vm_*, mount and the new mount API, unshare/setns/pivot_root/chroot, keyrings,
module loading, kexec, memfd_create/memfd_secret and execveat (code run or loaded from memory,
not from a file), set*uid/set*gid, clock and host name changes, and sockets of any family but
AF_UNIX (the network namespace has no interface anyway; AF_VSOCK would reach the hypervisor).

Not refused: PROT_EXEC on anonymous memory. oneDNN and XLA compile kernels at run time into
anonymous executable memory, so mmap/mprotect must allow it. User code has native code anyway
(ctypes); what it cannot do is load or run a program or library it wrote to a file (scratch,
/tmp and /dev/shm are noexec mounts) or to a memory file (no memfd_create).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import tempfile

# clone() may make threads and processes, never namespaces (the kernel checks the caller's
# capabilities too, but a filter that reads the flags does not depend on that).
CLONE_NEW = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000
AF_UNIX = 1
SHM_EXEC = 0o100000

ALLOWED = (
    # memory: the allocator, NumPy and TensorFlow buffers, the JIT's executable pages (see above)
    *("brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync"),
    *("mlock", "munlock", "get_mempolicy", "set_mempolicy", "mbind", "membarrier"),  # NUMA: own memory only
    # threads and their synchronisation: TensorFlow's thread pools, Python threads, glibc's
    # per-thread set-up (rseq, robust futex lists)
    *("futex", "set_robust_list", "get_robust_list", "set_tid_address", "rseq", "gettid", "arch_prctl"),
    *("sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler"),
    *("sched_get_priority_max", "sched_get_priority_min", "sched_getattr", "getcpu", "prctl"),
    *("exit", "exit_group", "restart_syscall"),
    # time
    *("clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time"),
    *("timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"),
    *("timerfd_create", "timerfd_settime", "timerfd_gettime", "alarm", "setitimer", "getitimer"),
    # signals: the host's interrupt arrives as SIGINT; Python's handlers, faulthandler, waits
    *("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack"),
    *("rt_sigpending", "kill", "tkill", "tgkill", "pause", "signalfd4", "eventfd2"),
    # files (on a read-only system, a noexec scratch, /tmp and /dev/shm): Python's io, os,
    # shutil and tempfile, TensorFlow's file system, Keras saving, matplotlib's font cache;
    # ioctl for terminals and GPU drivers (TIOCSTI works only on one's own controlling
    # terminal, and a kernel has none)
    *("read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2"),
    *("open", "openat", "close", "close_range", "lseek", "dup", "dup2", "dup3", "fcntl", "flock", "ioctl"),
    *("stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat"),
    *("faccessat2", "readlink", "readlinkat", "getdents64", "getcwd", "chdir", "fchdir", "umask"),
    *("mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2"),
    *("link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "truncate", "ftruncate"),
    *("fallocate", "fsync", "fdatasync", "fadvise64", "utimensat", "utime", "utimes", "mknod", "mknodat"),
    *("sendfile", "copy_file_range", "splice", "tee", "pipe", "pipe2"),
    *("getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr"),
    # watching files: harmless, and its per-user limits are now per kernel (a uid each)
    *("inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch"),
    # waiting on several descriptors: asyncio, the runtime's streams, subprocess
    *("select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait"),
    *("epoll_pwait", "epoll_pwait2"),
    # sockets already open or AF_UNIX ones (socket and socketpair are checked below): the host
    # link, multiprocessing, subprocess pipes
    *("connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg"),
    *("sendmmsg", "recvmmsg", "shutdown", "getsockname", "getpeername", "getsockopt", "setsockopt"),
    # processes: subprocess (posix_spawn's vfork; fork goes through clone, checked below), and
    # who am I. vfork and fork take no flags, so they make no namespaces.
    *("vfork", "fork", "execve", "wait4", "waitid", "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid"),
    *("getresuid", "getresgid", "getgroups", "getpgid", "getpgrp", "setpgid", "getsid", "setsid"),
    *("getpriority", "setpriority", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times"),
    *("uname", "sysinfo", "getrandom", "capget", "pidfd_open", "pidfd_send_signal"),
    # System V shared memory, private to the kernel's IPC namespace (shmat is checked below);
    # POSIX shared memory and semaphores are files in /dev/shm and futexes, listed above
    *("shmget", "shmdt", "shmctl"),
)

# Calls the C library falls back from when they "do not exist": clone3 passes its flags in
# memory, where a filter cannot read them, so it must fall back to clone, whose flags are read.
FALLBACK = ("clone3",)


PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
_program: bytes | None = None  # the allowlist as BPF, compiled once by the fork server


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def compile_filter() -> None:
    """Compile the allowlist to BPF once, in the fork server: libseccomp takes ~8 ms of CPU to
    build it, which every kernel paid at its start; a kernel now only loads the program."""
    global _program
    with tempfile.TemporaryFile() as out:
        _rules().export_bpf(out)
        out.seek(0)
        _program = out.read()


def load_filter() -> None:
    """Load the allowlist into this process and every thread and child it will have."""
    if _program is None:
        _rules().load()
        return
    libc = ctypes.CDLL(None, use_errno=True)
    code = ctypes.create_string_buffer(_program, len(_program))
    program = _SockFprog(len(_program) // 8, ctypes.cast(code, ctypes.c_void_p))  # 8 bytes an instruction
    word = ctypes.c_ulong  # prctl reads its arguments as unsigned longs
    for args in (
        (PR_SET_NO_NEW_PRIVS, word(1), word(0), word(0), word(0)),
        (PR_SET_SECCOMP, word(SECCOMP_MODE_FILTER), ctypes.byref(program), word(0), word(0)),
    ):
        if libc.prctl(*args) != 0:
            raise OSError(ctypes.get_errno(), "seccomp filter")


def _rules():
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    rules.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)  # a binary tree: a few comparisons per syscall
    for name in ALLOWED:
        _add(rules, seccomp.ALLOW, name)
    for name in FALLBACK:
        _add(rules, seccomp.ERRNO(errno.ENOSYS), name)
    _add(rules, seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEW, 0))
    _add(rules, seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, AF_UNIX))
    _add(rules, seccomp.ALLOW, "socketpair", seccomp.Arg(0, seccomp.EQ, AF_UNIX))
    _add(rules, seccomp.ALLOW, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, 0))
    return rules


def _add(rules, action: int, name: str, *args) -> None:
    with contextlib.suppress(RuntimeError, OSError, ValueError):  # not a syscall on this architecture
        rules.add_rule(action, name, *args)  # (e.g. `open` and `stat` on arm64)
