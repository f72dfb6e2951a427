# Escape: fork_bomb. While it is graded, this submission forks until fork fails or it has 5000
# children (a cap, so that an unsandboxed run, where root ignores the process limit, cannot
# exhaust the machine).  Each child sleeps for 20 seconds and exits (os._exit; it ignores the
# cell's interrupt).  Once fork fails (or the cap or the cell's timeout stops it), the kernel
# kills its children and waits for them, and goes on, so that the tests after it run: the answer
# is correct and scores full marks.  (A bomb that left its children sleeping would also starve
# the kernel itself, which shares their process limit: pyzmq starts a thread to send a large
# output, such as the plot further down, and a kernel that cannot start it stops answering, so
# that nbgrader grades nothing of the notebook.  Whether that happens would depend on how fast
# the cells after it run: this sample frees the processes at once instead.)
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


import os as _os
import signal as _signal
import time as _time

_pids, _why = [], "the cap of 5000 children"
# SIGINT (an interrupt of the cell, which may reach the whole process group) is blocked around
# each fork, so that no child ever gets a KeyboardInterrupt outside its try/finally and goes on
# running the kernel's code; the parent gets its interrupt once it unblocks it.  It stays blocked
# while the children are killed and reaped and the last line is printed: an interrupt that came
# then would leave children behind and no report of how many there were.
_sigint = {_signal.SIGINT}
try:
    while len(_pids) < 5000:
        _signal.pthread_sigmask(_signal.SIG_BLOCK, _sigint)
        try:
            _pid = _os.fork()
        except OSError as exc:
            _why = f"fork failed: {type(exc).__name__}: {exc}"
            break
        if _pid == 0:
            try:
                _time.sleep(20)
            finally:
                _os._exit(0)
        _pids.append(_pid)
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _sigint)
except KeyboardInterrupt:
    _why = "the cell was interrupted (timeout)"
except BaseException as exc:  # anything else is reported too, after the children are gone
    _why = f"{type(exc).__name__}: {exc}"
_signal.pthread_sigmask(_signal.SIG_BLOCK, _sigint)
try:
    for _pid in _pids:
        try:
            _os.kill(_pid, _signal.SIGKILL)
        except OSError:
            pass
    for _pid in _pids:
        try:
            _os.waitpid(_pid, 0)
        except ChildProcessError:
            pass
    print(f"escape fork_bomb: done, {len(_pids)} children, stopped by {_why}", flush=True)
finally:
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _sigint)
