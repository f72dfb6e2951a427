# Wrong for this exercise: right numbers, but the norm is summed as Python floats with .item() (a
# device sync per tensor on a GPU) with error_if_nonfinite=False, which the task forbids.
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    if norm_type == math.inf:
        total = max(g.abs().max().item() for g in grads)
    else:
        total = math.sqrt(sum(torch.linalg.vector_norm(g).item() ** 2 for g in grads))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError("non-finite gradient norm")
    total = torch.tensor(total, dtype=grads[0].dtype)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
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
