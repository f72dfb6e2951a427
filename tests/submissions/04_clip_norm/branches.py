# Wrong for this exercise: scales only when norm > max_norm (differs at the threshold and for NaN).
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError("non-finite")
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
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
