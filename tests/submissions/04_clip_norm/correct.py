# A correct submission, written differently from the instructor's solution (torch.cat of squares).
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    params = list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if len(grads) == 0:
        return torch.tensor(0.0)
    if norm_type == math.inf:
        total = torch.stack([g.abs().max() for g in grads]).max()
    else:
        total = torch.cat([g.reshape(-1) for g in grads]).pow(2).sum().sqrt()
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError("non-finite gradient norm")
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef)
    return total
# %% cosine_similarity_of_grads
def cosine_similarity_of_grads(before, after):
    if len(before) != len(after):
        raise ValueError("different lengths")
    dot = 0.0
    nb = 0.0
    na = 0.0
    for a, b in zip(before, after):
        if a.shape != b.shape:
            raise ValueError("different shapes")
        a, b = a.double(), b.double()
        dot += (a * b).sum().item()
        nb += (a * a).sum().item()
        na += (b * b).sum().item()
    return dot / math.sqrt(nb * na)
