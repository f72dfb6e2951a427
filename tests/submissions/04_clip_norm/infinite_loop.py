# Never returns when there is a gradient: the loop index is never advanced.
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    grads = [p.grad for p in parameters if p.grad is not None]
    total = torch.tensor(0.0)
    i = 0
    while i < len(grads):
        total = total + (grads[i] ** 2).sum()
    return total.sqrt()
# %% cosine_similarity_of_grads
def cosine_similarity_of_grads(before, after):
    i = 0
    while i < len(before):
        pass
    return 0.0
