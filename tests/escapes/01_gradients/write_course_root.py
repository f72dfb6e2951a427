# Escape: write_course_root. While it is graded, this submission tries to leave files behind: a
# file ESCAPED-<marker>.txt in its working folder, in every folder above it (the student's and
# the assignment's autograded folders, the course root, and up to /), in the course root found
# relative to the working folder (../../..) and through the --course argument of the processes it
# can see, in the instructor's source and release folders (solutions/01_gradients,
# notebooks/01_gradients), in /tmp, /root and $HOME; and it appends a line to the course's
# nbgrader_config.py (Python that every later nbgrader command would run as the instructor).
# Without the sandbox (tests/escapes/run.py), the line marked "[unsafe run only]" is switched
# on: it keeps the escape to the folders above its working folder, so that other grading runs
# on the same machine are not hit.
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

_MARKER = "@ESCAPE_MARKER@"
_NAME = f"ESCAPED-{_MARKER}.txt"
_written, _refused = [], []


def _write(folder, name=_NAME, mode="w", text=f"written by a graded submission ({_MARKER})\n"):
    path = _os.path.join(folder, name)
    try:
        with open(path, mode) as f:
            f.write(text)
        _written.append(_os.path.realpath(path))
    except OSError as exc:
        _refused.append(f"{path}: {type(exc).__name__}")


_roots = ["../../.."]
_d = _os.getcwd()
while True:  # the working folder and every folder above it
    _write(_d)
    if _d == "/":
        break
    _d = _os.path.dirname(_d)
for _cmd in _glob.glob("/proc/[0-9]*/cmdline"):
    try:
        with open(_cmd, "rb") as _f:
            _args = _f.read().split(b"\0")
    except OSError:
        continue
    _roots += [_args[i + 1].decode(errors="replace") for i, a in enumerate(_args[:-1]) if a == b"--course"]
# [unsafe run only] _roots = [r for r in _roots if (_os.getcwd() + "/").startswith(_os.path.realpath(r).rstrip("/") + "/")]
for _root in dict.fromkeys(_os.path.realpath(r) for r in _roots):
    _write(_root)
    _write(_os.path.join(_root, "solutions", "01_gradients"))
    _write(_os.path.join(_root, "notebooks", "01_gradients"))
    _write(_root, "nbgrader_config.py", "a", f"\n# {_MARKER}: a graded submission was here\n")
for _folder in ("/tmp", "/root", _os.path.expanduser("~")):
    _write(_folder)
print("wrote:", *_written, sep="\n  ")
print("refused:", *_refused, sep="\n  ")
print(f"escape write_course_root: done, {len(_written)} file(s) written as this kernel sees the file system")
