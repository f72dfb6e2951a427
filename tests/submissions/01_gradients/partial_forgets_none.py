# Partly correct: both norms are right, but parameters without a gradient crash it.
def global_grad_norm(parameters, norm_type=2.0):
    grads = [p.grad for p in parameters]
    if norm_type == math.inf:
        return torch.stack([g.abs().max() for g in grads]).max()
    return torch.sqrt(sum((g ** 2).sum() for g in grads))
