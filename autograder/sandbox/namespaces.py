"""Namespaces and a system-call filter for the worker, so that nothing of a submission outlives
it, classmates cannot talk, and every limit counts everything.

- A daemon that `setsid`s away from its case would outlive grading and take the sandbox uid's
  process slots from the next student: the worker is PID 1 of a PID namespace of its own, and
  when it ends the kernel kills everything inside. (`enter_pid_namespace` forks: the caller
  stays outside only to wait, and leaves with the worker's own status.)
- Two classmates pass a secret through SysV shared memory or a message queue, left behind
  after grading: an IPC namespace per worker, gone with it.
- A case fills its scratch folder with many small files, or /dev/shm: both are size- and
  file-count-limited tmpfs mounts in a mount namespace of its own.
- memfds and SysV segments sit outside RLIMIT_AS: without a memory cgroup (none is delegated
  where we run), memfd_create, memfd_secret and shmget are refused by a seccomp filter.
- As an ordinary user there is no uid of the sandbox's own, so RLIMIT_NPROC would count the
  TA's own processes: inside a user namespace the kernel counts per namespace, so the same
  limit holds the sandbox alone.
- The grader may live where the sandbox uid cannot read it (pyenv under /root, conda in a 750
  home): as root, in the worker's mount namespace, a tmpfs covers the folder that blocks the
  way and the interpreter's trees are bound into it read-only, so that every module the
  grader can import imports in the sandbox too.
Each step may be refused (a container without CAP_SYS_ADMIN, gVisor, macOS): `enter` says what
was in force and what not, and why. Standard library only: the worker runs it from a copy.
"""
import ctypes
import os
import platform
import signal
import struct
import sys

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
FLAGS = {"net": CLONE_NEWNET, "ipc": CLONE_NEWIPC, "mount": CLONE_NEWNS, "pid": CLONE_NEWPID}
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = \
    1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2

# seccomp: (audit arch, {refused call: number}) per machine; elsewhere no filter (and said so).
SYSCALLS = {"x86_64": (0xC000003E, {"memfd_create": 319, "shmget": 29, "memfd_secret": 447}),
            "aarch64": (0xC00000B7, {"memfd_create": 279, "shmget": 194, "memfd_secret": 447})}
# Where there is no IPC namespace (a container), the rest of SysV IPC and POSIX queues too.
IPC_CALLS = {"x86_64": {"msgget": 68, "semget": 64, "mq_open": 240},
             "aarch64": {"msgget": 186, "semget": 190, "mq_open": 180}}
X32_BIT = 0x40000000
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    return libc


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def unshare(libc, wanted, as_root):
    """Unshare as many of `wanted` (names of FLAGS) as the system allows; (got, {name: why not})."""
    base = 0
    if not as_root:
        base = CLONE_NEWUSER  # what lets an ordinary user have the others
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(base) != 0:
            why = os.strerror(ctypes.get_errno())
            return set(), {name: f"no user namespace ({why})" for name in wanted}
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):
            try:
                with open(f"/proc/self/{name}", "w") as file:
                    file.write(text)
            except OSError:
                pass
    got, refused = set(), {}
    if libc.unshare(sum(FLAGS[name] for name in wanted)) == 0:
        return set(wanted), refused
    for name in wanted:  # one by one, to keep what is allowed
        if libc.unshare(FLAGS[name]) == 0:
            got.add(name)
        else:
            refused[name] = f"unshare refused ({os.strerror(ctypes.get_errno())})"
    return got, refused


def mount_tmpfs(libc, target, options):
    _check(libc.mount(b"tmpfs", os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV,
                      options.encode()), f"mount tmpfs on {target}")


def private_mounts(libc):
    """Nothing we mount propagates back to the system's mount table."""
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")


def blocking_folder(path):
    """The highest folder above `path` that others may not pass through (or read), or None."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    for depth in range(1, len(parts) + 1):
        folder = os.sep + os.path.join(*parts[:depth])
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return None
        if not mode & 0o001 or (depth == len(parts) and not mode & 0o004):
            return folder if folder != path else None
    return None


def expose(libc, paths):
    """Bind `paths` read-only where a tmpfs covers the folder that hides them from others;
    returns the paths bound."""
    plan = {}
    for path in sorted(set(map(os.path.abspath, paths))):
        folder = blocking_folder(path)
        if folder and not any(path.startswith(done + os.sep) for done in plan.get(folder, ())):
            plan.setdefault(folder, []).append(path)
    bound = []
    for folder, inside in plan.items():
        handles = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in inside]  # before we cover them
        try:
            mount_tmpfs(libc, folder, "size=1m,mode=0755")
            for path, handle in zip(inside, handles):
                os.makedirs(path, mode=0o755, exist_ok=True)
                _check(libc.mount(f"/proc/self/fd/{handle}".encode(), os.fsencode(path), None,
                                  MS_BIND | MS_REC, None), f"bind {path}")
                _check(libc.mount(None, os.fsencode(path), None,
                                  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, None),
                       f"make {path} read-only")
                bound.append(path)
        finally:
            for handle in handles:
                os.close(handle)
    return bound


def refuse_uncounted_memory(libc, ipc_shared=False):
    """seccomp: memfd_create, memfd_secret and shmget fail with EPERM (RLIMIT_AS counts none
    of what they hold), and with `ipc_shared` every other way to make a SysV or POSIX IPC
    object; calls of another ABI (x32, i386) fail too. Returns the refused calls."""
    machine = platform.machine()
    if machine not in SYSCALLS:
        raise OSError(0, f"no filter for this machine ({machine})")
    arch, refused = SYSCALLS[machine]
    if ipc_shared:
        refused = {**refused, **IPC_CALLS[machine]}
    program = [(0x20, 0, 0, 4),                                   # A = arch
               (0x15, 1, 0, arch),                                # native: go on
               (0x06, 0, 0, RET_EPERM),
               (0x20, 0, 0, 0)]                                   # A = syscall number
    if machine == "x86_64":
        program.append((0x35, len(refused), 0, X32_BIT))          # x32: refused
    for index, number in enumerate(refused.values()):
        program.append((0x15, len(refused) - index, 0, number))   # one of ours: refused
    program += [(0x06, 0, 0, RET_ALLOW), (0x06, 0, 0, RET_EPERM)]
    filters = b"".join(struct.pack("HBBI", *op) for op in program)
    buffer = ctypes.create_string_buffer(filters)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fprog = Program(len(program), ctypes.addressof(buffer))
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
    return list(refused)


def enter_pid_namespace():
    """Fork into the PID namespace unshared before: the child returns (as PID 1 there); this
    process waits for it and leaves as it did, so the grader sees the worker's own end."""
    pid = os.fork()
    if pid == 0:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) if not os.WIFSIGNALED(status) else 1)


def enter(policy, abilities, pretended, uid):
    """Apply the namespace part of `policy`; {protection: (in force?, in words)}.

    Call it with a single thread, before Landlock (which forbids mounting) and before any
    student code. `uid`: the sandbox user as root, or -1 as an ordinary user."""
    def absent(ability):
        return "pretended away" if ability in pretended else "not available on this system"
    report = {}
    # "netns" alone governs the network (tests take it away apart from the rest)
    wanted = [name for name in policy.namespaces
              if ("netns" if name == "net" else "namespaces") in abilities]
    refused = {name: absent("netns" if name == "net" else "namespaces")
               for name in policy.namespaces if name not in wanted}
    got, libc = set(), None
    if sys.platform.startswith("linux") and wanted:
        libc = _libc()
        got, more = unshare(libc, wanted, as_root=uid >= 0 or os.getuid() == 0)
        refused.update(more)
    elif sys.platform.startswith("linux"):
        libc = _libc()
    report["network"] = (True, "no network: a network namespace of its own") if "net" in got else \
        (False, f"network reachable: no network namespace ({refused.get('net')})")
    report["classmates' IPC"] = (True, "SysV IPC and message queues of its own, gone with it") \
        if "ipc" in got else (False, f"SysV IPC and message queues shared with every process of "
                                     f"its user ({refused.get('ipc')})")
    report["scratch limit"] = _scratch(libc, policy, got, refused, uid)
    report["grader's Python readable"] = _expose(libc, policy, got, uid)
    report["process limit"] = _process_limit(policy, got, uid)
    report["memory counted"] = _memory(libc, abilities, absent, ipc_shared="ipc" not in got)
    if "ipc" not in got and report["memory counted"][0]:
        report["classmates' IPC"] = (True, "no SysV IPC or message queues at all (seccomp: no "
                                           f"IPC namespace, {refused.get('ipc')})")
    if "pid" in got:
        enter_pid_namespace()
        report["PID namespace"] = (True, "a PID namespace of its own: whatever a case starts "
                                         "ends with the case")
    else:
        report["PID namespace"] = (False, f"no PID namespace ({refused.get('pid')}): a process "
                                          "that leaves its session may outlive the worker")
    return report


def scratch_watch(policy):
    """Where there is no bounded tmpfs: a check, made while a case runs, that says in words
    when its scratch folder holds more than the policy allows (or None)."""
    limit = policy.scratch_mb << 20

    def over(folder):
        used = files = 0
        pending = [folder]
        while pending:
            try:
                entries = list(os.scandir(pending.pop()))
            except OSError:
                continue
            for entry in entries:
                files += 1
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    used += entry.stat(follow_symlinks=False).st_blocks * 512  # sparse: real bytes
                except OSError:
                    pass
            if used > limit or files > policy.scratch_files:
                return (f"was ended: it wrote more than {policy.scratch_mb} MB or "
                        f"{policy.scratch_files} files in its scratch folder")
        return None
    return over


def _scratch(libc, policy, got, refused, uid):
    watched = (f"scratch folder watched ({refused.get('mount')}): a case that writes more than "
               f"{policy.scratch_mb} MB or {policy.scratch_files} files there is ended (looked at every 0.05 s)")
    if "mount" not in got:
        return (False, watched)
    try:
        private_mounts(libc)
        owner = f",uid={uid},gid={uid}" if uid >= 0 else ""
        mount_tmpfs(libc, policy.writable[0],
                    f"size={policy.scratch_mb}m,nr_inodes={policy.scratch_files},mode=0700{owner}")
        if os.path.isdir("/dev/shm"):
            mount_tmpfs(libc, "/dev/shm", "size=1m,nr_inodes=16,mode=1777")
    except OSError as error:
        return (False, watched.replace(str(refused.get('mount')), error.strerror))
    return (True, f"scratch folder of {policy.scratch_mb} MB and {policy.scratch_files} files; "
                  "/dev/shm of 1 MB")


def _expose(libc, policy, got, uid):
    if uid < 0:
        return (True, "runs as the grader's user, who reads the grader's Python")
    hidden = [path for path in policy.python if blocking_folder(path)]
    if not hidden:
        return (True, "the sandbox user reads the grader's Python where it is")
    if "mount" not in got:
        return (False, f"the sandbox user cannot read {', '.join(hidden)} (no mount namespace): "
                       "only modules imported before it started import")
    try:
        bound = expose(libc, hidden)
    except OSError as error:
        return (False, f"the sandbox user cannot read {', '.join(hidden)} ({error.strerror})")
    return (True, f"the grader's Python bound read-only where the sandbox user reads it "
                  f"({', '.join(bound)})")


def _process_limit(policy, got, uid):
    try:
        import resource
    except ImportError:  # Windows
        return (False, "no process limit on this system (no `resource`)")
    if uid >= 0 or os.getuid() == 0:  # the grader set it for the sandbox uid: as it really is
        limit = resource.getrlimit(resource.RLIMIT_NPROC)[0]
        if limit == resource.RLIM_INFINITY or limit > policy.processes:
            return (False, "no process limit of the sandbox's own (the grader could not set one)")
        return (True, f"at most {limit} processes of a uid of its own")
    if not got:
        return (False, "no process limit (an ordinary user without a user namespace: "
                       "RLIMIT_NPROC would count all of the grader's own processes)")
    resource.setrlimit(resource.RLIMIT_NPROC, (policy.processes, policy.processes))
    return (True, f"at most {policy.processes} processes, counted in a user namespace of its own")


def _memory(libc, abilities, absent, ipc_shared):
    if libc is None or "seccomp" not in abilities:
        return (False, f"memfds and SysV shared memory are not counted in the memory limit "
                       f"(no seccomp: {absent('seccomp')})")
    try:
        refused = refuse_uncounted_memory(libc, ipc_shared)
    except OSError as error:
        return (False, f"memfds and SysV shared memory are not counted in the memory limit "
                       f"(seccomp refused: {error.strerror})")
    return (True, f"no memory outside the limit: {', '.join(refused)} refused (seccomp; no "
                  "memory cgroup)")
