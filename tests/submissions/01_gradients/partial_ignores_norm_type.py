# Partly correct: the L2 norm is right, but norm_type is ignored and a single tensor is
# iterated over its rows.
def global_grad_norm(parameters, norm_type=2.0):
    total = 0.0
    for p in parameters:
        if p.grad is not None:
            total += (p.grad ** 2).sum()
    return torch.sqrt(torch.as_tensor(total))
