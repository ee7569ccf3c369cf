"""Confinement of the worker on Linux: what student code may read, write and reach.

- A submission reads a classmate's files (walking the disk, or finding the path in
  /proc/*/cmdline) and prints them into its own report: it may read only its sandbox and the
  files Python and numpy are made of (Landlock); /proc and every class folder stay out of reach.
- A submission writes into a classmate's files or the class folder: it may write only in
  its sandbox's scratch folder (Landlock), whether the grader runs as root or not.
- A submission talks to the network (a service on 127.0.0.1, the outside world): the worker
  lives in a network namespace of its own, with no interface up, and Landlock (ABI 4+) refuses
  every TCP bind and connect; from ABI 6 on it may not signal processes outside its sandbox.
- Namespaces (PID, IPC, mount with a bounded scratch tmpfs, network), a seccomp filter for the
  memory no limit counts, and a process limit: namespaces.py, applied from here first.
- Each protection may be missing (an old kernel, macOS, a container that forbids namespaces):
  grading goes on, and `confine` returns what was in force, to be reported, never silent.

The policy is data (`Policy`), made by `policy_for` and applied in one place, `confine`, by
the worker before it imports anything of the student's. Standard library only: the worker
runs it from a copy inside its sandbox.
"""
import ctypes
import importlib.util
import os
import sys
from dataclasses import dataclass

try:  # in the package (the grader) or from the copy in the sandbox (the worker)
    from . import namespaces
except ImportError:
    import namespaces

LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # every arch
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights, and the ABI that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_RIGHTS = {1: (1 << 13) - 1, 2: 1 << 13, 3: 1 << 14, 5: 1 << 15}  # refer, truncate, ioctl_dev
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # rights a file rule may hold
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2           # ABI 4
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1, 2       # ABI 6

# What Python and numpy are made of, besides the interpreter's own prefixes.
SYSTEM_READABLE = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib", "/lib64",
                   "/etc/ld.so.cache", "/dev/null", "/dev/urandom")


@dataclass(frozen=True)
class Policy:
    """What student code may touch; everything else is out of reach."""
    readable: tuple          # paths (folders: everything beneath them)
    writable: tuple
    python: tuple = ()             # the interpreter's trees (made readable to the sandbox user)
    namespaces: tuple = ("net", "ipc", "mount", "pid")  # unshared before any student code
    scratch_mb: int = 64           # the scratch folder, a tmpfs where there is a mount namespace
    scratch_files: int = 1000
    processes: int = 64
    deny_tcp: bool = True          # Landlock ABI 4+: no TCP bind or connect at all
    scoped: bool = True            # Landlock ABI 6+: no signals, no abstract sockets outside


def policy_for(sandbox, scratch):
    """The sandbox readable, its scratch folder writable, and Python's and numpy's files."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    numpy = importlib.util.find_spec("numpy")  # found, not imported
    if numpy is not None and numpy.origin:
        prefixes.add(os.path.dirname(os.path.dirname(numpy.origin)))  # its site-packages
    prefixes = {p for p in prefixes if os.path.dirname(p) != p}  # never a whole filesystem
    return Policy(readable=(str(sandbox), *sorted(prefixes), *SYSTEM_READABLE),
                  writable=(str(scratch), "/dev/null"), python=tuple(sorted(prefixes)))


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi():
    """The kernel's Landlock ABI version, or 0 (with the reason) when there is none."""
    if not sys.platform.startswith("linux"):
        return 0, f"not Linux ({sys.platform})"
    libc = _libc()
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    if abi < 0:
        return 0, f"this kernel has no Landlock ({os.strerror(ctypes.get_errno())})"
    return abi, ""


def restrict_files(libc, abi, policy):
    """Landlock: the policy's paths only, and no TCP (ABI 4+), no signals out (ABI 6+)."""
    fs = sum(rights for since, rights in FS_RIGHTS.items() if abi >= since)
    attr = _Ruleset(handled_access_fs=fs)
    size = 8
    if abi >= 4 and policy.deny_tcp:
        attr.handled_access_net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
    if abi >= 6 and policy.scoped:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL, 24
    ruleset = libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset: " + os.strerror(ctypes.get_errno()))
    try:
        read = EXECUTE | READ_FILE | READ_DIR
        for paths, rights in ((policy.readable, read), (policy.writable, fs)):
            for path in paths:
                _allow(libc, ruleset, path, rights)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
                libc.syscall(LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self: " + os.strerror(ctypes.get_errno()))
    finally:
        os.close(ruleset)
    what = "reads only its sandbox and Python's files, writes only its scratch folder"
    if attr.handled_access_net:
        what += ", no TCP"
    if attr.scoped:
        what += ", no signals out"
    return f"Landlock ABI {abi}: {what}"


def _allow(libc, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this system (/lib64 on some): nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_ONLY
        rule = _PathBeneath(allowed_access=rights, parent_fd=fd)
        if libc.syscall(LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)


def confine(policy, abilities, pretended=(), uid=-1):
    """Apply the policy to this process (and all it will start); say what is in force.

    Returns {protection: (in force?, detail)}. Call it while the process has a single thread
    (a user namespace requires it), before student code runs. `pretended`: the abilities a
    test took away (said so, rather than blamed on the system). `uid`: the sandbox user when
    the grader is root, else -1. Where there is a PID namespace, the caller returns from here
    as PID 1 of it (namespaces.enter_pid_namespace).
    """
    def absent(ability):
        return "pretended away" if ability in pretended else "not available on this system"
    report = namespaces.enter(policy, abilities, pretended, uid)  # mounts: before Landlock
    libc = _libc() if sys.platform.startswith("linux") else None
    abi, why = landlock_abi() if "landlock" in abilities else (0, absent("landlock"))
    if not abi:
        report["landlock"] = (False, f"no Landlock: {why}; student code can read and write "
                                     "whatever its user can")
    else:
        try:
            report["landlock"] = (True, restrict_files(libc, abi, policy))
        except OSError as error:
            report["landlock"] = (False, f"no Landlock: {error}; student code can read and "
                                         "write whatever its user can")
    if not report["network"][0] and report["landlock"][0] and abi >= 4:
        report["network"] = (True, "no TCP: Landlock refuses bind and connect (no namespace)")
    return report
