# Never returns when there is a gradient: the loop index is never advanced.
def global_grad_norm(parameters, norm_type=2.0):
    grads = [p.grad for p in parameters if p.grad is not None]
    total = torch.tensor(0.0)
    i = 0
    while i < len(grads):
        total = total + (grads[i] ** 2).sum()
    return total.sqrt()
