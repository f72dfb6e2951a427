# Raises on every call: torch.sqrt of a Python float is a TypeError.
def global_grad_norm(parameters, norm_type=2.0):
    total = 0.0
    for p in parameters:
        if p.grad is not None:
            total += float((p.grad ** 2).sum())
    return torch.sqrt(total)
