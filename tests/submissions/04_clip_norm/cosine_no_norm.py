# Correct clip (uses torch.stack of norms); wrong cosine: divides by one norm only and ignores shapes.
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type)
    if error_if_nonfinite and (total.isnan() or total.isinf()):
        raise RuntimeError("non-finite")
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total
# %% cosine_similarity_of_grads
def cosine_similarity_of_grads(before, after):
    u = torch.cat([t.reshape(-1) for t in before])
    v = torch.cat([t.reshape(-1) for t in after])
    return float(u @ v / (u.norm() ** 2))
