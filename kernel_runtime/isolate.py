"""Give a freshly forked kernel its own namespaces, devices, scratch, identity and syscall filter.

The fork server runs inside bubblewrap (see sandbox.py): read-only system, no network, its own
PID namespace, no view of the server. Kernels forked from it share that, so each one then
isolates itself from the others before any user code runs:

    fork server
      └ init (PID 1)    forked into a PID namespace of its own (zygote._fork_init); unshares
                        mount, network, IPC and UTS namespaces; a private /dev (own devpts,
                        own /dev/shm, only its own GPU's nodes), a private /proc showing its
                        own memory limit, scratch and /tmp as size-capped tmpfs; reaps orphans;
                        exits as the kernel did (128 + the signal that ended it)
          └ kernel      drops to its own uid (one per kernel, no capabilities left), loads
                        the allowlist seccomp filter (syscalls.py), then runs user code

Only the kernel runs user code. When it exits, init exits and the PID namespace takes every
process the user started down with it: nothing outlives its kernel.
"""

from __future__ import annotations

import ctypes
import os
import signal

from . import syscalls

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUTS = 0x04000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
SCRATCH = "/scratch"
STAGING = SCRATCH  # an empty mount point where /dev and the /proc files are built first
# Nodes every kernel gets, bound from the fork server's /dev (no one here may mknod).
BASIC_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1"}
DEV_LINKS |= {"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"}
# No program or library can be run from a tmpfs a kernel writes to.
TMPFS_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)


def isolate(config: dict) -> None:
    """Called in the fork server's child; returns only in the kernel process, isolated."""
    _die_with_parent()
    if not config.get("sandbox"):
        return
    if os.getpid() != 1:
        raise RuntimeError("a sandboxed kernel must start as the init of its own PID namespace")
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount_private_filesystems(config)
    kernel = os.fork()
    if kernel:
        _be_init(kernel)
    _die_with_parent()
    _drop_privileges(config)
    syscalls.load_filter()


def _mount_private_filesystems(config: dict) -> None:
    uid, size = _kernel_uid(config), int(config["scratch_bytes"])
    owned = f"size={size},mode=0700,uid={uid},gid={uid}"
    gpu = config.get("gpu") or {}
    _private_dev(owned, [*BASIC_DEVICES, *gpu.get("devices", ())])
    # A /proc of this PID namespace only: the kernel sees its own processes and nobody else's.
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _private_proc_files(config.get("memory_bytes"))
    for target in (SCRATCH, "/tmp"):
        _mount("tmpfs", target, "tmpfs", TMPFS_FLAGS, owned)
    _mount_keras_datasets(config.get("keras_datasets"), uid)


def _mount_keras_datasets(source: str | None, uid: int) -> None:
    """The operator's Keras datasets, read-only where Keras looks (~/.keras/datasets; kerascache.py).
    ~/.keras itself is the kernel's: Keras writes its keras.json there, and falls back to /tmp if
    it may not write."""
    if not source:
        return
    keras_home = f"{SCRATCH}/.keras"
    os.mkdir(keras_home, 0o700)
    os.chown(keras_home, uid, uid)
    os.mkdir(f"{keras_home}/datasets", 0o755)
    _mount(source, f"{keras_home}/datasets", None, MS_BIND | MS_REC)
    _mount(None, f"{keras_home}/datasets", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def _private_dev(shm_options: str, devices: list[str]) -> None:
    """A /dev of this kernel's own, built at STAGING then moved over the fork server's: only the
    nodes it needs (its own GPU's, not the others'), a devpts instance no other kernel can see
    into, its own /dev/shm; read-only (writing to a device node is still allowed)."""
    _mount("tmpfs", STAGING, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755")
    for device in devices:
        _bind_device(device, STAGING + device.removeprefix("/dev"))
    for name, target in DEV_LINKS.items():
        os.symlink(target, f"{STAGING}/{name}")
    os.mkdir(f"{STAGING}/pts")
    _mount("devpts", f"{STAGING}/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
    os.mkdir(f"{STAGING}/shm")
    _mount("tmpfs", f"{STAGING}/shm", "tmpfs", TMPFS_FLAGS, shm_options)
    _check(_libc.umount2(b"/dev", MNT_DETACH), "unmount the fork server's /dev")
    _mount(STAGING, "/dev", None, MS_MOVE)
    _mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def _bind_device(source: str, target: str) -> None:
    if not os.path.exists(source):  # e.g. a GPU's node on a host without that GPU: nothing to give
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(source, target, None, MS_BIND)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def _private_proc_files(memory_bytes: int | None) -> None:
    """Cover the host-wide /proc files that size programs by the machine (psutil, TensorFlow's
    helpers, user code) with this kernel's figures: memory is its cgroup limit, no load."""
    files = {"loadavg": "0.00 0.00 0.00 1/1 1\n", "swaps": "Filename\tType\tSize\tUsed\tPriority\n"}
    if memory_bytes:
        files["meminfo"] = _meminfo(int(memory_bytes))
    _mount("tmpfs", STAGING, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755")
    for name, text in files.items():
        with open(f"{STAGING}/{name}", "w") as f:
            f.write(text)
        _mount(f"{STAGING}/{name}", f"/proc/{name}", None, MS_BIND)
        _mount(None, f"/proc/{name}", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _check(_libc.umount2(STAGING.encode(), MNT_DETACH), "unmount staging")  # the binds keep the files


def _meminfo(memory_bytes: int) -> str:
    """The host's /proc/meminfo keys (so parsers find what they expect), with the kernel's limit
    as total, free and available memory and nothing else; a snapshot taken at start."""
    limit_kb = memory_bytes // 1024
    mine = {"MemTotal", "MemFree", "MemAvailable"}
    lines = []
    with open("/proc/meminfo") as host:
        for line in host:
            key, _, value = line.partition(":")
            if key == "Hugepagesize":
                lines.append(line.rstrip("\n"))
            elif value.strip().endswith("kB"):
                lines.append(f"{key + ':':<16}{limit_kb if key in mine else 0:>8} kB")
            else:
                lines.append(f"{key + ':':<16}{0:>8}")
    return "\n".join(lines) + "\n"


def _kernel_uid(config: dict) -> int:
    """The kernel's own uid; without root (a user namespace mapping one uid) there is no other."""
    return int(config["uid"]) if os.getuid() == 0 else os.getuid()


def _drop_privileges(config: dict) -> None:
    uid = _kernel_uid(config)
    if os.getuid() == 0 and uid != 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from root to another uid: every capability is gone
    if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS (bubblewrap sets it too)
        raise OSError(ctypes.get_errno(), "no_new_privs")


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


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, options: str = "") -> None:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    result = _libc.mount(encode(source), target.encode(), encode(fstype), flags, encode(options or None))
    _check(result, f"mount {target}")


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
