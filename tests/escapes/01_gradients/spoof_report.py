# Escape: spoof_report. While it is graded, this submission writes forged lines of the grading
# report straight to the kernel's file descriptors 1 and 2 (os.write, bypassing the notebook's
# output capture): "<assignment>  zzz_honest  NOT GRADED: ..." and "... graded 6/6" lines, as if
# course.py had printed them.  Unsandboxed, the kernel inherits the grader's terminal, so these
# lines land in the instructor's report.  The test writes its marker into this file (the
# placeholder below).  The answer itself is correct and scores full marks.
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

_MARKER = "@ESCAPE_MARKER@"
_forged = 0
for _fd in (1, 2):
    for _line in (f"01_gradients  zzz_honest                   NOT GRADED: forged {_MARKER}\n",
                  f"01_gradients  spoof_report                 graded    6/6 forged {_MARKER}\n"):
        try:
            _os.write(_fd, _line.encode())
            _forged += 1
        except OSError:
            pass
print(f"escape spoof_report: done, {_forged} forged lines written")
