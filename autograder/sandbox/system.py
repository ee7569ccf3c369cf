"""What this operating system offers the sandbox, found out once, so that the same grader runs
on Linux (the instructor's grading), and on a student's macOS, Windows or Colab (the self-check).

Each ability is used where it exists and said to be missing where it does not: nothing here
may stop the self-check from running. Tests (and a grader that wants to know what a weaker
system would do) pretend abilities away with AUTOGRADER_PRETEND_MISSING=fork,landlock,...
Needs the standard library only: the worker runs it from a copy inside its sandbox.
"""
import os
import sys

PRETEND_MISSING = "AUTOGRADER_PRETEND_MISSING"

# What the sandbox uses where it exists; the worker and the grader report what its absence cost.
ABILITIES = ("resource", "prctl", "proc", "sessions", "select", "fork", "landlock", "netns",
             "namespaces", "seccomp", "uids")


def pretended(environ=os.environ):
    names = {n.strip() for n in environ.get(PRETEND_MISSING, "").split(",") if n.strip()}
    unknown = names - set(ABILITIES)
    if unknown:
        raise ValueError(f"{PRETEND_MISSING}: unknown {', '.join(sorted(unknown))}; "
                         f"expected some of {', '.join(ABILITIES)}")
    return names


def _has_resource():
    try:
        import resource  # noqa: F401  (absent on Windows)
        return True
    except ImportError:
        return False


def _has_prctl():
    if not sys.platform.startswith("linux"):
        return False  # macOS's libc has no prctl: "dlsym ... symbol not found"
    try:
        import ctypes
        return hasattr(ctypes.CDLL(None), "prctl")
    except (OSError, AttributeError):
        return False


def detect(pretend=None):
    """The set of abilities this system has, less those pretended away."""
    found = {
        "resource": _has_resource(),
        "prctl": _has_prctl(),
        "proc": os.path.isdir("/proc/self/fd"),
        "sessions": os.name == "posix",            # start_new_session, preexec_fn, killpg
        "select": os.name == "posix",              # Windows' select takes sockets only
        "fork": hasattr(os, "fork"),
        "landlock": sys.platform.startswith("linux"),  # confinement.py probes the kernel
        "netns": sys.platform.startswith("linux"),
        "namespaces": sys.platform.startswith("linux"),  # PID, IPC, mount: namespaces.py probes
        "seccomp": sys.platform.startswith("linux"),
        "uids": os.name == "posix" and hasattr(os, "fork"),  # leases and the uid reaper (uids.py)
    }
    missing = pretended() if pretend is None else set(pretend)
    return {name for name, present in found.items() if present and name not in missing}
