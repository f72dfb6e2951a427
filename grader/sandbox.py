"""A sandbox for every grading kernel: bubblewrap, its own namespaces, resource limits.

nbgrader runs a submission in an ordinary Jupyter kernel that can reach everything the grading
process can: the instructor's solutions and quiz keys, every other student's files, the gradebook,
the network, and the grading process itself.  :class:`SandboxedKernelManager` starts that kernel
inside `bubblewrap <https://github.com/containers/bubblewrap>`_ (Debian's ``bubblewrap``,
``bwrap``) instead.  The kernel sees:

* the system (``/usr``, ``/etc``) and the Python environment read-only: the interpreter's
  installation, the course's virtual environment and the ``course_utils`` package, nothing else
  of the course folder (no ``solutions/``, ``quizzes/``, ``gradebook.db``, ``submitted/``,
  ``autograded/``, ``feedback/``, no ``grader/``, no home folder);
* writable: an empty private ``/tmp`` and its own working folder (at the path of the autograded
  folder, which it does not see: nbgrader sends the cells from memory), both small in-memory file
  systems that vanish with it;
* no network (a network namespace of its own with only a loopback device), its own PID, IPC and
  UTS namespaces: it cannot see or signal any process outside, and killing its parent only hits
  the sandbox's own init.  Every process it starts dies with it, and it dies with the grader;
* limits: heap (``RLIMIT_DATA``), processes (``RLIMIT_NPROC``), CPU seconds (``RLIMIT_CPU``),
  file size (``RLIMIT_FSIZE``) and the size of its writable file systems;
* when grading runs as root, an unprivileged user id of its own (``setpriv``), with no way back to
  privileges (``no_new_privs``); as another user, bubblewrap's unprivileged user namespace.

The kernel's channels go over ZeroMQ's ``ipc`` transport (Unix sockets) in a socket folder bound
into the sandbox, since a TCP port on the host's loopback is out of reach of its network
namespace.  It is interrupted by an ``interrupt_request`` message, since a signal would reach
bubblewrap rather than the kernel.

``nbgrader_config.py`` makes :class:`grader.preprocessors.GuardedExecute` (nbgrader's ``Execute``)
start its kernels with this manager, so ``nbgrader autograde``, the formgrader and
``scripts/course.py autograde`` all grade in the sandbox.  Where bubblewrap is missing or cannot
create its namespaces, starting a kernel fails with :class:`SandboxUnavailable` saying what to
install or enable.  ``--SandboxedKernelManager.enabled=False`` (``course.py autograde
--unsafe-no-sandbox``) grades without it; the resource limits still apply then.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

#: Debian's package that provides ``bwrap``.
BWRAP_PACKAGE = "bubblewrap"
#: First of the user ids that sandboxed kernels run as when grading runs as root (no passwd entry:
#: such a uid owns no file on the host).  Each grading process takes its own uid, so that the
#: process limit of one kernel is not shared with the kernels that other workers run.
SANDBOX_UID_BASE = 420_000
SANDBOX_UID_SPAN = 50_000
#: Environment variables a sandboxed kernel receives (everything else of the grader's environment,
#: e.g. a database URL with a password, stays outside); HOME and the Jupyter, IPython and
#: matplotlib folders point into its private /tmp.
PASSED_ENV = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "COURSE_UTILS_PROGRESS",
    "PYDEVD_DISABLE_FILE_VALIDATION",
    "MPLBACKEND",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
)
PRIVATE_ENV = {
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
    "JUPYTER_DATA_DIR": "/tmp/.local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": "/tmp/.local/share/jupyter/runtime",
    "IPYTHONDIR": "/tmp/.ipython",
    "MPLCONFIGDIR": "/tmp/.config/matplotlib",
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYTHONNOUSERSITE": "1",
    "USER": "student",
    "LOGNAME": "student",
}


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces: grading must not go on unsandboxed."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def check_available() -> str | None:
    """None when a sandbox can be started here; otherwise one line saying what is missing."""
    bwrap = bwrap_path()
    if bwrap is None:
        return (
            f"grading needs a sandbox and `bwrap` is not installed: install Debian's "
            f"`{BWRAP_PACKAGE}` package (apt-get install {BWRAP_PACKAGE}), or grade unsafely "
            f"with --unsafe-no-sandbox"
        )
    probe = [
        bwrap,
        *_namespace_args(),
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--die-with-parent",
        "true",
    ]
    if os.geteuid() == 0:
        probe = probe[:-1] + [
            "setpriv",
            "--reuid",
            str(SANDBOX_UID_BASE),
            "--regid",
            str(SANDBOX_UID_BASE),
            "--clear-groups",
            "true",
        ]
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"grading needs a sandbox and `bwrap` could not run ({exc})"
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return (
            f"grading needs a sandbox and bubblewrap cannot create its namespaces ({detail}): "
            f"enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 "
            f"and user.max_user_namespaces > 0), or grade unsafely with --unsafe-no-sandbox"
        )
    return None


def _namespace_args() -> list[str]:
    # As root bubblewrap creates the namespaces itself and the kernel drops to a uid of its own
    # (setpriv); a user namespace there would map that uid to nothing.  Any other user needs one.
    common = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    return common if os.geteuid() == 0 else ["--unshare-user", *common]


def _package_dir(name: str) -> str | None:
    """The folder of an importable package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _readonly_paths() -> list[str]:
    """What the kernel may read: the system, the interpreter, the environment, course_utils."""
    paths = ["/usr", "/etc", "/opt"]
    paths += [os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)]
    paths.append(os.path.dirname(os.path.realpath(sys.executable)))
    course_utils = _package_dir("course_utils")
    if course_utils:
        paths.append(course_utils)
    out: list[str] = []
    for path in sorted(set(paths), key=len):
        if os.path.exists(path) and not any(path == p or path.startswith(p + os.sep) for p in out):
            out.append(path)
    return out


def _root_symlinks() -> list[str]:
    """``/bin -> usr/bin`` and friends of a merged-/usr system, recreated inside the sandbox."""
    args = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel in a bubblewrap sandbox (see the module docstring)."""

    enabled = Bool(
        True,
        config=True,
        help="Run the kernel in the sandbox (False: unsafe, for a "
        "machine without bubblewrap; the limits still apply).",
    )
    memory_gb = Integer(
        4,
        config=True,
        help="Heap limit of the kernel (RLIMIT_DATA), in GiB; the heaviest lesson peaks near 0.45 GB.",
    )
    max_processes = Integer(
        256, config=True, help="Processes and threads the kernel's user may have at once (RLIMIT_NPROC)."
    )
    cpu_seconds = Integer(1800, config=True, help="CPU time the kernel may use in all (RLIMIT_CPU).")
    file_mb = Integer(
        256,
        config=True,
        help="Largest file the kernel may write (RLIMIT_FSIZE), "
        "and the size of its /tmp and of its working folder, "
        "in MiB.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sandbox_dir: str | None = None

    # -- launch ---------------------------------------------------------------------------------

    async def _async_pre_start_kernel(self, **kw):
        if self.enabled:
            problem = check_available()
            if problem:
                raise SandboxUnavailable(problem)
            self._prepare_socket_folder()
            # The kernel's own standard output and error (ipykernel's console notice, and whatever a
            # submission writes to file descriptors 1 and 2) must not reach the grader's terminal,
            # where they could forge lines of the grading report.
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel  # AsyncKernelManager binds its names to the base's

    def _prepare_socket_folder(self) -> None:
        if self._sandbox_dir is None:
            self._sandbox_dir = tempfile.mkdtemp(prefix="grading-kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self._sandbox_dir, "kernel")
        self.connection_file = os.path.join(self._sandbox_dir, "kernel.json")
        self.cache_ports = False
        if os.geteuid() == 0:
            os.chown(self._sandbox_dir, self.sandbox_uid, self.sandbox_uid)
        os.chmod(self._sandbox_dir, 0o700)

    @property
    def sandbox_uid(self) -> int:
        return SANDBOX_UID_BASE + os.getpid() % SANDBOX_UID_SPAN

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        limits = self._limit_args()
        if not self.enabled:
            return limits + cmd
        if os.geteuid() == 0 and os.path.exists(self.connection_file):
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)
        cwd = self._launch_args.get("cwd") or os.getcwd()
        return self._bwrap_args(os.path.realpath(cwd)) + limits + cmd

    def _limit_args(self) -> list[str]:
        nproc = self.max_processes
        if os.geteuid() != 0:
            # The limit counts every process of the user (the instructor's own included).
            nproc += _processes_of(os.getuid())
        return [
            "prlimit",
            f"--data={self.memory_gb << 30}",
            f"--nproc={nproc}",
            f"--cpu={self.cpu_seconds}",
            f"--fsize={self.file_mb << 20}",
            "--",
        ]

    def _bwrap_args(self, cwd: str) -> list[str]:
        size = str(self.file_mb << 20)
        bwrap = bwrap_path()
        if bwrap is None:  # start_kernel checked for it; it went missing since
            raise SandboxUnavailable(check_available() or "bubblewrap (bwrap) is missing")
        args = [
            bwrap,
            *_namespace_args(),
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "grading-sandbox",
            "--clearenv",
        ]
        readonly = _readonly_paths()
        # Only the sandbox's own processes see its in-memory file systems: writable by its user.
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        # bubblewrap makes the folders it creates above a mount point private to root (0700):
        # the kernel's user could not reach its own interpreter under /root/.pyenv.
        cwd_parents = _parent_dirs([cwd], exclude=readonly)
        # The working folder is an empty one (nbgrader sends the cells from memory): nothing the
        # kernel writes there reaches the host, and nothing next to the notebook is visible.
        args += cwd_parents + ["--perms", "0777", "--size", size, "--tmpfs", cwd]
        assert self._sandbox_dir is not None  # made by _prepare_socket_folder before the launch
        args += _parent_dirs(readonly + [self._sandbox_dir], exclude=[cwd, *readonly], made=cwd_parents)
        for path in readonly:
            args += ["--ro-bind", path, path]
        args += _root_symlinks()
        args += ["--bind", self._sandbox_dir, self._sandbox_dir, "--chdir", cwd]
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(PRIVATE_ENV)
        env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
        for key, value in env.items():
            args += ["--setenv", key, value]
        if os.geteuid() == 0:
            uid = str(self.sandbox_uid)
            args += ["--", "setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--no-new-privs"]
        else:
            args += ["--"]
        return args

    # -- interrupt and clean-up -------------------------------------------------------------------

    async def _async_interrupt_kernel(self):
        # A SIGINT would reach bubblewrap, not the kernel: ask the kernel itself.
        if self.enabled and self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._sandbox_dir is not None:
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None

    cleanup_resources = _async_cleanup_resources


def _parent_dirs(paths: list[str], exclude: Sequence[str] = (), made: Sequence[str] = ()) -> list[str]:
    """``--perms 0755 --dir D`` for every folder above ``paths`` (outermost first), except those in
    ``exclude`` or inside them (mount points), and those already in ``made`` (earlier arguments)."""

    def inside(path, roots):
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    parents: list[str] = []
    for path in paths:
        parts = Path(path).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in parents and not inside(parent, exclude) and parent not in made:
                parents.append(parent)
    args: list[str] = []
    for parent in sorted(parents, key=lambda p: p.count(os.sep)):
        args += ["--perms", "0755", "--dir", parent]
    return args


def _processes_of(uid: int) -> int:
    """How many processes and threads ``uid`` has now (Linux /proc)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(entry / "task"))
            except OSError:
                continue
    return count
